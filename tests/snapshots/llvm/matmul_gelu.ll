define i32 @main_k0(ptr %0, i64 %1, i64 %2, i64 %3) {
entry:
  %4 = getelementptr inbounds ptr, ptr %0, i64 0
  %buf = load ptr, ptr %4, align 8
  %5 = getelementptr inbounds ptr, ptr %0, i64 1
  %buf1 = load ptr, ptr %5, align 8
  %6 = getelementptr inbounds ptr, ptr %0, i64 2
  %buf2 = load ptr, ptr %6, align 8
  br i1 true, label %loop, label %exit

loop:                                             ; preds = %exit4, %entry
  %i = phi i64 [ 0, %entry ], [ %24, %exit4 ]
  br i1 true, label %loop3, label %exit4

exit:                                             ; preds = %exit4, %entry
  %7 = getelementptr inbounds float, ptr %buf, i64 0
  %8 = getelementptr inbounds float, ptr %buf1, i64 0
  %9 = getelementptr inbounds float, ptr %buf2, i64 0
  call void @strata.gemm.6x2x8(ptr %7, i64 32, i64 1, ptr %8, i64 16, i64 1, ptr %9, i64 16, i64 8, i64 16, i64 32)
  br i1 true, label %loop6, label %exit7

loop3:                                            ; preds = %loop3, %loop
  %i5 = phi i64 [ 0, %loop ], [ %22, %loop3 ]
  %10 = mul i64 %i, 16
  %11 = add i64 0, %10
  %12 = mul i64 %i5, 1
  %13 = add i64 %11, %12
  %14 = getelementptr inbounds float, ptr %buf2, i64 %13
  store <8 x float> zeroinitializer, ptr %14, align 1
  %15 = mul i64 %i5, 1
  %16 = add i64 8, %15
  %17 = mul i64 %i, 16
  %18 = add i64 0, %17
  %19 = mul i64 %16, 1
  %20 = add i64 %18, %19
  %21 = getelementptr inbounds float, ptr %buf2, i64 %20
  store <8 x float> zeroinitializer, ptr %21, align 1
  %22 = add i64 %i5, 16
  %23 = icmp slt i64 %22, 16
  br i1 %23, label %loop3, label %exit4

exit4:                                            ; preds = %loop3, %loop
  %24 = add i64 %i, 1
  %25 = icmp slt i64 %24, 8
  br i1 %25, label %loop, label %exit

loop6:                                            ; preds = %exit10, %exit
  %i8 = phi i64 [ 0, %exit ], [ %202, %exit10 ]
  br i1 true, label %loop9, label %exit10

exit7:                                            ; preds = %exit10, %exit
  ret i32 0

loop9:                                            ; preds = %loop9, %loop6
  %i11 = phi i64 [ 0, %loop6 ], [ %200, %loop9 ]
  %26 = mul i64 %i8, 16
  %27 = add i64 0, %26
  %28 = mul i64 %i11, 1
  %29 = add i64 %27, %28
  %30 = getelementptr inbounds float, ptr %buf2, i64 %29
  %31 = load <8 x float>, ptr %30, align 1
  %32 = fmul <8 x float> %31, splat (float 0x3FE6A09E60000000)
  %33 = fmul <8 x float> %32, %32
  %34 = fmul <8 x float> splat (float 0xBF48D30180000000), %33
  %35 = fadd <8 x float> %34, splat (float 0x3F72F684C0000000)
  %36 = fmul <8 x float> %35, %33
  %37 = fadd <8 x float> %36, splat (float 0xBF98618620000000)
  %38 = fmul <8 x float> %37, %33
  %39 = fadd <8 x float> %38, splat (float 0x3FB99999A0000000)
  %40 = fmul <8 x float> %39, %33
  %41 = fadd <8 x float> %40, splat (float 0xBFD5555560000000)
  %42 = fmul <8 x float> %41, %33
  %43 = fadd <8 x float> %42, splat (float 1.000000e+00)
  %44 = fmul <8 x float> %43, %32
  %45 = fmul <8 x float> %44, splat (float 0x3FF20DD760000000)
  %46 = call <8 x float> @llvm.fabs.v8f32(<8 x float> %32)
  %47 = fmul <8 x float> splat (float 5.000000e-01), %46
  %48 = fadd <8 x float> splat (float 1.000000e+00), %47
  %49 = fdiv <8 x float> splat (float 1.000000e+00), %48
  %50 = fmul <8 x float> splat (float 0x3FC5DF28A0000000), %49
  %51 = fadd <8 x float> %50, splat (float 0xBFEA4F1240000000)
  %52 = fmul <8 x float> %51, %49
  %53 = fadd <8 x float> %52, splat (float 0x3FF7D0F600000000)
  %54 = fmul <8 x float> %53, %49
  %55 = fadd <8 x float> %54, splat (float 0xBFF229CBA0000000)
  %56 = fmul <8 x float> %55, %49
  %57 = fadd <8 x float> %56, splat (float 0x3FD1D8F980000000)
  %58 = fmul <8 x float> %57, %49
  %59 = fadd <8 x float> %58, splat (float 0xBFC7D84980000000)
  %60 = fmul <8 x float> %59, %49
  %61 = fadd <8 x float> %60, splat (float 0x3FB8C6D920000000)
  %62 = fmul <8 x float> %61, %49
  %63 = fadd <8 x float> %62, splat (float 0x3FD7F11F60000000)
  %64 = fmul <8 x float> %63, %49
  %65 = fadd <8 x float> %64, splat (float 0x3FF00018E0000000)
  %66 = fmul <8 x float> %65, %49
  %67 = fadd <8 x float> %66, splat (float 0xBFF43F89C0000000)
  %68 = fmul <8 x float> %46, %46
  %69 = fsub <8 x float> %67, %68
  %70 = fcmp olt <8 x float> %69, splat (float -1.040000e+02)
  %71 = select <8 x i1> %70, <8 x float> splat (float -1.040000e+02), <8 x float> %69
  %72 = fcmp ogt <8 x float> %71, splat (float 0x4056333340000000)
  %73 = select <8 x i1> %72, <8 x float> splat (float 0x4056333340000000), <8 x float> %71
  %74 = fmul <8 x float> %73, splat (float 0x3FF7154760000000)
  %75 = call <8 x float> @llvm.roundeven.v8f32(<8 x float> %74)
  %76 = call <8 x float> @llvm.fma.v8f32(<8 x float> %75, <8 x float> splat (float 0xBFE6300000000000), <8 x float> %73)
  %77 = call <8 x float> @llvm.fma.v8f32(<8 x float> %75, <8 x float> splat (float 0x3F2BD01060000000), <8 x float> %76)
  %78 = call <8 x float> @llvm.fma.v8f32(<8 x float> splat (float 0x3F2A01A020000000), <8 x float> %77, <8 x float> splat (float 0x3F56C16C20000000))
  %79 = call <8 x float> @llvm.fma.v8f32(<8 x float> %78, <8 x float> %77, <8 x float> splat (float 0x3F81111120000000))
  %80 = call <8 x float> @llvm.fma.v8f32(<8 x float> %79, <8 x float> %77, <8 x float> splat (float 0x3FA5555560000000))
  %81 = call <8 x float> @llvm.fma.v8f32(<8 x float> %80, <8 x float> %77, <8 x float> splat (float 0x3FC5555560000000))
  %82 = call <8 x float> @llvm.fma.v8f32(<8 x float> %81, <8 x float> %77, <8 x float> splat (float 5.000000e-01))
  %83 = call <8 x float> @llvm.fma.v8f32(<8 x float> %82, <8 x float> %77, <8 x float> splat (float 1.000000e+00))
  %84 = call <8 x float> @llvm.fma.v8f32(<8 x float> %83, <8 x float> %77, <8 x float> splat (float 1.000000e+00))
  %85 = fptosi <8 x float> %75 to <8 x i32>
  %86 = fcmp uno <8 x float> %69, %69
  %87 = select <8 x i1> %86, <8 x i32> zeroinitializer, <8 x i32> %85
  %88 = ashr <8 x i32> %87, splat (i32 1)
  %89 = sub <8 x i32> %87, %88
  %90 = add <8 x i32> %88, splat (i32 127)
  %91 = shl <8 x i32> %90, splat (i32 23)
  %92 = bitcast <8 x i32> %91 to <8 x float>
  %93 = fmul <8 x float> %84, %92
  %94 = add <8 x i32> %89, splat (i32 127)
  %95 = shl <8 x i32> %94, splat (i32 23)
  %96 = bitcast <8 x i32> %95 to <8 x float>
  %97 = fmul <8 x float> %93, %96
  %98 = select <8 x i1> %86, <8 x float> %69, <8 x float> %97
  %99 = fmul <8 x float> %49, %98
  %100 = fsub <8 x float> splat (float 1.000000e+00), %99
  %101 = call <8 x float> @llvm.copysign.v8f32(<8 x float> %100, <8 x float> %32)
  %102 = fcmp olt <8 x float> %46, splat (float 5.000000e-01)
  %103 = select <8 x i1> %102, <8 x float> %45, <8 x float> %101
  %104 = fmul <8 x float> splat (float 5.000000e-01), %31
  %105 = fadd <8 x float> splat (float 1.000000e+00), %103
  %106 = fmul <8 x float> %104, %105
  %107 = mul i64 %i8, 16
  %108 = add i64 0, %107
  %109 = mul i64 %i11, 1
  %110 = add i64 %108, %109
  %111 = getelementptr inbounds float, ptr %buf2, i64 %110
  store <8 x float> %106, ptr %111, align 1
  %112 = mul i64 %i11, 1
  %113 = add i64 8, %112
  %114 = mul i64 %i8, 16
  %115 = add i64 0, %114
  %116 = mul i64 %113, 1
  %117 = add i64 %115, %116
  %118 = getelementptr inbounds float, ptr %buf2, i64 %117
  %119 = load <8 x float>, ptr %118, align 1
  %120 = fmul <8 x float> %119, splat (float 0x3FE6A09E60000000)
  %121 = fmul <8 x float> %120, %120
  %122 = fmul <8 x float> splat (float 0xBF48D30180000000), %121
  %123 = fadd <8 x float> %122, splat (float 0x3F72F684C0000000)
  %124 = fmul <8 x float> %123, %121
  %125 = fadd <8 x float> %124, splat (float 0xBF98618620000000)
  %126 = fmul <8 x float> %125, %121
  %127 = fadd <8 x float> %126, splat (float 0x3FB99999A0000000)
  %128 = fmul <8 x float> %127, %121
  %129 = fadd <8 x float> %128, splat (float 0xBFD5555560000000)
  %130 = fmul <8 x float> %129, %121
  %131 = fadd <8 x float> %130, splat (float 1.000000e+00)
  %132 = fmul <8 x float> %131, %120
  %133 = fmul <8 x float> %132, splat (float 0x3FF20DD760000000)
  %134 = call <8 x float> @llvm.fabs.v8f32(<8 x float> %120)
  %135 = fmul <8 x float> splat (float 5.000000e-01), %134
  %136 = fadd <8 x float> splat (float 1.000000e+00), %135
  %137 = fdiv <8 x float> splat (float 1.000000e+00), %136
  %138 = fmul <8 x float> splat (float 0x3FC5DF28A0000000), %137
  %139 = fadd <8 x float> %138, splat (float 0xBFEA4F1240000000)
  %140 = fmul <8 x float> %139, %137
  %141 = fadd <8 x float> %140, splat (float 0x3FF7D0F600000000)
  %142 = fmul <8 x float> %141, %137
  %143 = fadd <8 x float> %142, splat (float 0xBFF229CBA0000000)
  %144 = fmul <8 x float> %143, %137
  %145 = fadd <8 x float> %144, splat (float 0x3FD1D8F980000000)
  %146 = fmul <8 x float> %145, %137
  %147 = fadd <8 x float> %146, splat (float 0xBFC7D84980000000)
  %148 = fmul <8 x float> %147, %137
  %149 = fadd <8 x float> %148, splat (float 0x3FB8C6D920000000)
  %150 = fmul <8 x float> %149, %137
  %151 = fadd <8 x float> %150, splat (float 0x3FD7F11F60000000)
  %152 = fmul <8 x float> %151, %137
  %153 = fadd <8 x float> %152, splat (float 0x3FF00018E0000000)
  %154 = fmul <8 x float> %153, %137
  %155 = fadd <8 x float> %154, splat (float 0xBFF43F89C0000000)
  %156 = fmul <8 x float> %134, %134
  %157 = fsub <8 x float> %155, %156
  %158 = fcmp olt <8 x float> %157, splat (float -1.040000e+02)
  %159 = select <8 x i1> %158, <8 x float> splat (float -1.040000e+02), <8 x float> %157
  %160 = fcmp ogt <8 x float> %159, splat (float 0x4056333340000000)
  %161 = select <8 x i1> %160, <8 x float> splat (float 0x4056333340000000), <8 x float> %159
  %162 = fmul <8 x float> %161, splat (float 0x3FF7154760000000)
  %163 = call <8 x float> @llvm.roundeven.v8f32(<8 x float> %162)
  %164 = call <8 x float> @llvm.fma.v8f32(<8 x float> %163, <8 x float> splat (float 0xBFE6300000000000), <8 x float> %161)
  %165 = call <8 x float> @llvm.fma.v8f32(<8 x float> %163, <8 x float> splat (float 0x3F2BD01060000000), <8 x float> %164)
  %166 = call <8 x float> @llvm.fma.v8f32(<8 x float> splat (float 0x3F2A01A020000000), <8 x float> %165, <8 x float> splat (float 0x3F56C16C20000000))
  %167 = call <8 x float> @llvm.fma.v8f32(<8 x float> %166, <8 x float> %165, <8 x float> splat (float 0x3F81111120000000))
  %168 = call <8 x float> @llvm.fma.v8f32(<8 x float> %167, <8 x float> %165, <8 x float> splat (float 0x3FA5555560000000))
  %169 = call <8 x float> @llvm.fma.v8f32(<8 x float> %168, <8 x float> %165, <8 x float> splat (float 0x3FC5555560000000))
  %170 = call <8 x float> @llvm.fma.v8f32(<8 x float> %169, <8 x float> %165, <8 x float> splat (float 5.000000e-01))
  %171 = call <8 x float> @llvm.fma.v8f32(<8 x float> %170, <8 x float> %165, <8 x float> splat (float 1.000000e+00))
  %172 = call <8 x float> @llvm.fma.v8f32(<8 x float> %171, <8 x float> %165, <8 x float> splat (float 1.000000e+00))
  %173 = fptosi <8 x float> %163 to <8 x i32>
  %174 = fcmp uno <8 x float> %157, %157
  %175 = select <8 x i1> %174, <8 x i32> zeroinitializer, <8 x i32> %173
  %176 = ashr <8 x i32> %175, splat (i32 1)
  %177 = sub <8 x i32> %175, %176
  %178 = add <8 x i32> %176, splat (i32 127)
  %179 = shl <8 x i32> %178, splat (i32 23)
  %180 = bitcast <8 x i32> %179 to <8 x float>
  %181 = fmul <8 x float> %172, %180
  %182 = add <8 x i32> %177, splat (i32 127)
  %183 = shl <8 x i32> %182, splat (i32 23)
  %184 = bitcast <8 x i32> %183 to <8 x float>
  %185 = fmul <8 x float> %181, %184
  %186 = select <8 x i1> %174, <8 x float> %157, <8 x float> %185
  %187 = fmul <8 x float> %137, %186
  %188 = fsub <8 x float> splat (float 1.000000e+00), %187
  %189 = call <8 x float> @llvm.copysign.v8f32(<8 x float> %188, <8 x float> %120)
  %190 = fcmp olt <8 x float> %134, splat (float 5.000000e-01)
  %191 = select <8 x i1> %190, <8 x float> %133, <8 x float> %189
  %192 = fmul <8 x float> splat (float 5.000000e-01), %119
  %193 = fadd <8 x float> splat (float 1.000000e+00), %191
  %194 = fmul <8 x float> %192, %193
  %195 = mul i64 %i8, 16
  %196 = add i64 0, %195
  %197 = mul i64 %113, 1
  %198 = add i64 %196, %197
  %199 = getelementptr inbounds float, ptr %buf2, i64 %198
  store <8 x float> %194, ptr %199, align 1
  %200 = add i64 %i11, 16
  %201 = icmp slt i64 %200, 16
  br i1 %201, label %loop9, label %exit10

exit10:                                           ; preds = %loop9, %loop6
  %202 = add i64 %i8, 1
  %203 = icmp slt i64 %202, 8
  br i1 %203, label %loop6, label %exit7
}

define internal void @strata.ukernel.6x2x8(ptr %0, ptr %1, ptr %2, i64 %3, i64 %4, i64 %5, i64 %6, i64 %7, i64 %8) {
entry:
  %9 = sub i64 %6, 0
  %10 = icmp slt i64 %9, 0
  %11 = select i1 %10, i64 0, i64 %9
  %12 = icmp slt i64 %11, 8
  %13 = select i1 %12, i64 %11, i64 8
  %14 = trunc i64 %13 to i32
  %15 = insertelement <8 x i32> undef, i32 %14, i64 0
  %16 = shufflevector <8 x i32> %15, <8 x i32> undef, <8 x i32> zeroinitializer
  %17 = icmp slt <8 x i32> <i32 0, i32 1, i32 2, i32 3, i32 4, i32 5, i32 6, i32 7>, %16
  %18 = sub i64 %6, 8
  %19 = icmp slt i64 %18, 0
  %20 = select i1 %19, i64 0, i64 %18
  %21 = icmp slt i64 %20, 8
  %22 = select i1 %21, i64 %20, i64 8
  %23 = trunc i64 %22 to i32
  %24 = insertelement <8 x i32> undef, i32 %23, i64 0
  %25 = shufflevector <8 x i32> %24, <8 x i32> undef, <8 x i32> zeroinitializer
  %26 = icmp slt <8 x i32> <i32 0, i32 1, i32 2, i32 3, i32 4, i32 5, i32 6, i32 7>, %25
  %27 = sub i64 %5, 1
  %28 = icmp slt i64 0, %27
  %29 = select i1 %28, i64 0, i64 %27
  %30 = mul i64 %29, %3
  %31 = getelementptr inbounds float, ptr %2, i64 %30
  %32 = icmp slt i64 1, %27
  %33 = select i1 %32, i64 1, i64 %27
  %34 = mul i64 %33, %3
  %35 = getelementptr inbounds float, ptr %2, i64 %34
  %36 = icmp slt i64 2, %27
  %37 = select i1 %36, i64 2, i64 %27
  %38 = mul i64 %37, %3
  %39 = getelementptr inbounds float, ptr %2, i64 %38
  %40 = icmp slt i64 3, %27
  %41 = select i1 %40, i64 3, i64 %27
  %42 = mul i64 %41, %3
  %43 = getelementptr inbounds float, ptr %2, i64 %42
  %44 = icmp slt i64 4, %27
  %45 = select i1 %44, i64 4, i64 %27
  %46 = mul i64 %45, %3
  %47 = getelementptr inbounds float, ptr %2, i64 %46
  %48 = icmp slt i64 5, %27
  %49 = select i1 %48, i64 5, i64 %27
  %50 = mul i64 %49, %3
  %51 = getelementptr inbounds float, ptr %2, i64 %50
  %52 = icmp slt i64 0, %27
  %53 = select i1 %52, i64 0, i64 %27
  %54 = mul i64 %53, %7
  %55 = getelementptr inbounds float, ptr %0, i64 %54
  %56 = icmp slt i64 1, %27
  %57 = select i1 %56, i64 1, i64 %27
  %58 = mul i64 %57, %7
  %59 = getelementptr inbounds float, ptr %0, i64 %58
  %60 = icmp slt i64 2, %27
  %61 = select i1 %60, i64 2, i64 %27
  %62 = mul i64 %61, %7
  %63 = getelementptr inbounds float, ptr %0, i64 %62
  %64 = icmp slt i64 3, %27
  %65 = select i1 %64, i64 3, i64 %27
  %66 = mul i64 %65, %7
  %67 = getelementptr inbounds float, ptr %0, i64 %66
  %68 = icmp slt i64 4, %27
  %69 = select i1 %68, i64 4, i64 %27
  %70 = mul i64 %69, %7
  %71 = getelementptr inbounds float, ptr %0, i64 %70
  %72 = icmp slt i64 5, %27
  %73 = select i1 %72, i64 5, i64 %27
  %74 = mul i64 %73, %7
  %75 = getelementptr inbounds float, ptr %0, i64 %74
  %76 = getelementptr inbounds float, ptr %31, i64 0
  %77 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %76, <8 x i1> %17, <8 x float> zeroinitializer)
  %78 = getelementptr inbounds float, ptr %31, i64 8
  %79 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %78, <8 x i1> %26, <8 x float> zeroinitializer)
  %80 = getelementptr inbounds float, ptr %35, i64 0
  %81 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %80, <8 x i1> %17, <8 x float> zeroinitializer)
  %82 = getelementptr inbounds float, ptr %35, i64 8
  %83 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %82, <8 x i1> %26, <8 x float> zeroinitializer)
  %84 = getelementptr inbounds float, ptr %39, i64 0
  %85 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %84, <8 x i1> %17, <8 x float> zeroinitializer)
  %86 = getelementptr inbounds float, ptr %39, i64 8
  %87 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %86, <8 x i1> %26, <8 x float> zeroinitializer)
  %88 = getelementptr inbounds float, ptr %43, i64 0
  %89 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %88, <8 x i1> %17, <8 x float> zeroinitializer)
  %90 = getelementptr inbounds float, ptr %43, i64 8
  %91 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %90, <8 x i1> %26, <8 x float> zeroinitializer)
  %92 = getelementptr inbounds float, ptr %47, i64 0
  %93 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %92, <8 x i1> %17, <8 x float> zeroinitializer)
  %94 = getelementptr inbounds float, ptr %47, i64 8
  %95 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %94, <8 x i1> %26, <8 x float> zeroinitializer)
  %96 = getelementptr inbounds float, ptr %51, i64 0
  %97 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %96, <8 x i1> %17, <8 x float> zeroinitializer)
  %98 = getelementptr inbounds float, ptr %51, i64 8
  %99 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %98, <8 x i1> %26, <8 x float> zeroinitializer)
  br label %k

k:                                                ; preds = %k, %entry
  %kk = phi i64 [ 0, %entry ], [ %143, %k ]
  %acc = phi <8 x float> [ %77, %entry ], [ %111, %k ]
  %acc1 = phi <8 x float> [ %79, %entry ], [ %112, %k ]
  %acc2 = phi <8 x float> [ %81, %entry ], [ %117, %k ]
  %acc3 = phi <8 x float> [ %83, %entry ], [ %118, %k ]
  %acc4 = phi <8 x float> [ %85, %entry ], [ %123, %k ]
  %acc5 = phi <8 x float> [ %87, %entry ], [ %124, %k ]
  %acc6 = phi <8 x float> [ %89, %entry ], [ %129, %k ]
  %acc7 = phi <8 x float> [ %91, %entry ], [ %130, %k ]
  %acc8 = phi <8 x float> [ %93, %entry ], [ %135, %k ]
  %acc9 = phi <8 x float> [ %95, %entry ], [ %136, %k ]
  %acc10 = phi <8 x float> [ %97, %entry ], [ %141, %k ]
  %acc11 = phi <8 x float> [ %99, %entry ], [ %142, %k ]
  %100 = mul i64 %kk, 16
  %101 = getelementptr inbounds float, ptr %1, i64 %100
  %102 = mul i64 %kk, %8
  %103 = getelementptr inbounds float, ptr %101, i64 0
  %104 = load <8 x float>, ptr %103, align 32
  %105 = getelementptr inbounds float, ptr %101, i64 8
  %106 = load <8 x float>, ptr %105, align 32
  %107 = getelementptr inbounds float, ptr %55, i64 %102
  %108 = load float, ptr %107, align 4
  %109 = insertelement <8 x float> undef, float %108, i64 0
  %110 = shufflevector <8 x float> %109, <8 x float> undef, <8 x i32> zeroinitializer
  %111 = call <8 x float> @llvm.fma.v8f32(<8 x float> %110, <8 x float> %104, <8 x float> %acc)
  %112 = call <8 x float> @llvm.fma.v8f32(<8 x float> %110, <8 x float> %106, <8 x float> %acc1)
  %113 = getelementptr inbounds float, ptr %59, i64 %102
  %114 = load float, ptr %113, align 4
  %115 = insertelement <8 x float> undef, float %114, i64 0
  %116 = shufflevector <8 x float> %115, <8 x float> undef, <8 x i32> zeroinitializer
  %117 = call <8 x float> @llvm.fma.v8f32(<8 x float> %116, <8 x float> %104, <8 x float> %acc2)
  %118 = call <8 x float> @llvm.fma.v8f32(<8 x float> %116, <8 x float> %106, <8 x float> %acc3)
  %119 = getelementptr inbounds float, ptr %63, i64 %102
  %120 = load float, ptr %119, align 4
  %121 = insertelement <8 x float> undef, float %120, i64 0
  %122 = shufflevector <8 x float> %121, <8 x float> undef, <8 x i32> zeroinitializer
  %123 = call <8 x float> @llvm.fma.v8f32(<8 x float> %122, <8 x float> %104, <8 x float> %acc4)
  %124 = call <8 x float> @llvm.fma.v8f32(<8 x float> %122, <8 x float> %106, <8 x float> %acc5)
  %125 = getelementptr inbounds float, ptr %67, i64 %102
  %126 = load float, ptr %125, align 4
  %127 = insertelement <8 x float> undef, float %126, i64 0
  %128 = shufflevector <8 x float> %127, <8 x float> undef, <8 x i32> zeroinitializer
  %129 = call <8 x float> @llvm.fma.v8f32(<8 x float> %128, <8 x float> %104, <8 x float> %acc6)
  %130 = call <8 x float> @llvm.fma.v8f32(<8 x float> %128, <8 x float> %106, <8 x float> %acc7)
  %131 = getelementptr inbounds float, ptr %71, i64 %102
  %132 = load float, ptr %131, align 4
  %133 = insertelement <8 x float> undef, float %132, i64 0
  %134 = shufflevector <8 x float> %133, <8 x float> undef, <8 x i32> zeroinitializer
  %135 = call <8 x float> @llvm.fma.v8f32(<8 x float> %134, <8 x float> %104, <8 x float> %acc8)
  %136 = call <8 x float> @llvm.fma.v8f32(<8 x float> %134, <8 x float> %106, <8 x float> %acc9)
  %137 = getelementptr inbounds float, ptr %75, i64 %102
  %138 = load float, ptr %137, align 4
  %139 = insertelement <8 x float> undef, float %138, i64 0
  %140 = shufflevector <8 x float> %139, <8 x float> undef, <8 x i32> zeroinitializer
  %141 = call <8 x float> @llvm.fma.v8f32(<8 x float> %140, <8 x float> %104, <8 x float> %acc10)
  %142 = call <8 x float> @llvm.fma.v8f32(<8 x float> %140, <8 x float> %106, <8 x float> %acc11)
  %143 = add i64 %kk, 1
  %144 = icmp slt i64 %143, %4
  br i1 %144, label %k, label %store

store:                                            ; preds = %k
  %145 = getelementptr inbounds float, ptr %31, i64 0
  call void @llvm.masked.store.v8f32.p0(<8 x float> %111, ptr %145, <8 x i1> %17)
  %146 = getelementptr inbounds float, ptr %31, i64 8
  call void @llvm.masked.store.v8f32.p0(<8 x float> %112, ptr %146, <8 x i1> %26)
  %147 = icmp slt i64 1, %5
  br i1 %147, label %row, label %next_row

row:                                              ; preds = %store
  %148 = getelementptr inbounds float, ptr %35, i64 0
  call void @llvm.masked.store.v8f32.p0(<8 x float> %117, ptr %148, <8 x i1> %17)
  %149 = getelementptr inbounds float, ptr %35, i64 8
  call void @llvm.masked.store.v8f32.p0(<8 x float> %118, ptr %149, <8 x i1> %26)
  br label %next_row

next_row:                                         ; preds = %row, %store
  %150 = icmp slt i64 2, %5
  br i1 %150, label %row12, label %next_row13

row12:                                            ; preds = %next_row
  %151 = getelementptr inbounds float, ptr %39, i64 0
  call void @llvm.masked.store.v8f32.p0(<8 x float> %123, ptr %151, <8 x i1> %17)
  %152 = getelementptr inbounds float, ptr %39, i64 8
  call void @llvm.masked.store.v8f32.p0(<8 x float> %124, ptr %152, <8 x i1> %26)
  br label %next_row13

next_row13:                                       ; preds = %row12, %next_row
  %153 = icmp slt i64 3, %5
  br i1 %153, label %row14, label %next_row15

row14:                                            ; preds = %next_row13
  %154 = getelementptr inbounds float, ptr %43, i64 0
  call void @llvm.masked.store.v8f32.p0(<8 x float> %129, ptr %154, <8 x i1> %17)
  %155 = getelementptr inbounds float, ptr %43, i64 8
  call void @llvm.masked.store.v8f32.p0(<8 x float> %130, ptr %155, <8 x i1> %26)
  br label %next_row15

next_row15:                                       ; preds = %row14, %next_row13
  %156 = icmp slt i64 4, %5
  br i1 %156, label %row16, label %next_row17

row16:                                            ; preds = %next_row15
  %157 = getelementptr inbounds float, ptr %47, i64 0
  call void @llvm.masked.store.v8f32.p0(<8 x float> %135, ptr %157, <8 x i1> %17)
  %158 = getelementptr inbounds float, ptr %47, i64 8
  call void @llvm.masked.store.v8f32.p0(<8 x float> %136, ptr %158, <8 x i1> %26)
  br label %next_row17

next_row17:                                       ; preds = %row16, %next_row15
  %159 = icmp slt i64 5, %5
  br i1 %159, label %row18, label %next_row19

row18:                                            ; preds = %next_row17
  %160 = getelementptr inbounds float, ptr %51, i64 0
  call void @llvm.masked.store.v8f32.p0(<8 x float> %141, ptr %160, <8 x i1> %17)
  %161 = getelementptr inbounds float, ptr %51, i64 8
  call void @llvm.masked.store.v8f32.p0(<8 x float> %142, ptr %161, <8 x i1> %26)
  br label %next_row19

next_row19:                                       ; preds = %row18, %next_row17
  ret void
}

; Function Attrs: nocallback nofree nosync nounwind willreturn memory(argmem: read)
declare <8 x float> @llvm.masked.load.v8f32.p0(ptr captures(none), <8 x i1>, <8 x float>) #0

; Function Attrs: nocallback nocreateundeforpoison nofree nosync nounwind speculatable willreturn memory(none)
declare <8 x float> @llvm.fma.v8f32(<8 x float>, <8 x float>, <8 x float>) #1

; Function Attrs: nocallback nofree nosync nounwind willreturn memory(argmem: write)
declare void @llvm.masked.store.v8f32.p0(<8 x float>, ptr captures(none), <8 x i1>) #2

define internal void @strata.gemm.6x2x8(ptr %0, i64 %1, i64 %2, ptr %3, i64 %4, i64 %5, ptr %6, i64 %7, i64 %8, i64 %9, i64 %10) {
entry:
  %11 = icmp eq i64 %2, 1
  %packed_b = alloca float, i64 65536, align 64
  %packed_a = alloca float, i64 64512, align 64
  %12 = add i64 %10, 511
  %13 = udiv i64 %12, 512
  %14 = sub i64 %13, 1
  %15 = add i64 %10, %14
  %16 = udiv i64 %15, %13
  %17 = icmp slt i64 0, %8
  br i1 %17, label %loop, label %exit

loop:                                             ; preds = %exit2, %entry
  %i = phi i64 [ 0, %entry ], [ %25, %exit2 ]
  %18 = sub i64 %8, %i
  %19 = icmp slt i64 126, %18
  %20 = select i1 %19, i64 126, i64 %18
  %21 = icmp slt i64 0, %10
  br i1 %21, label %loop1, label %exit2

exit:                                             ; preds = %exit2, %entry
  ret void

loop1:                                            ; preds = %exit12, %loop
  %i3 = phi i64 [ 0, %loop ], [ %119, %exit12 ]
  %22 = sub i64 %10, %i3
  %23 = icmp slt i64 %16, %22
  %24 = select i1 %23, i64 %16, i64 %22
  br i1 %11, label %packed_a4, label %pack_a

exit2:                                            ; preds = %exit12, %loop
  %25 = add i64 %i, 126
  %26 = icmp slt i64 %25, %8
  br i1 %26, label %loop, label %exit

pack_a:                                           ; preds = %loop1
  %27 = icmp slt i64 0, %20
  br i1 %27, label %loop5, label %exit6

packed_a4:                                        ; preds = %exit6, %loop1
  %28 = icmp slt i64 0, %9
  br i1 %28, label %loop11, label %exit12

loop5:                                            ; preds = %exit9, %pack_a
  %i7 = phi i64 [ 0, %pack_a ], [ %113, %exit9 ]
  %29 = add i64 %i, %i7
  %30 = sub i64 %8, %29
  %31 = icmp slt i64 6, %30
  %32 = select i1 %31, i64 6, i64 %30
  %33 = mul i64 %i7, %24
  %34 = getelementptr inbounds float, ptr %packed_a, i64 %33
  %35 = sub i64 %32, 1
  %36 = icmp slt i64 0, %35
  %37 = select i1 %36, i64 0, i64 %35
  %38 = add i64 %29, %37
  %39 = mul i64 %38, %1
  %40 = getelementptr inbounds float, ptr %0, i64 %39
  %41 = icmp slt i64 1, %35
  %42 = select i1 %41, i64 1, i64 %35
  %43 = add i64 %29, %42
  %44 = mul i64 %43, %1
  %45 = getelementptr inbounds float, ptr %0, i64 %44
  %46 = icmp slt i64 2, %35
  %47 = select i1 %46, i64 2, i64 %35
  %48 = add i64 %29, %47
  %49 = mul i64 %48, %1
  %50 = getelementptr inbounds float, ptr %0, i64 %49
  %51 = icmp slt i64 3, %35
  %52 = select i1 %51, i64 3, i64 %35
  %53 = add i64 %29, %52
  %54 = mul i64 %53, %1
  %55 = getelementptr inbounds float, ptr %0, i64 %54
  %56 = icmp slt i64 4, %35
  %57 = select i1 %56, i64 4, i64 %35
  %58 = add i64 %29, %57
  %59 = mul i64 %58, %1
  %60 = getelementptr inbounds float, ptr %0, i64 %59
  %61 = icmp slt i64 5, %35
  %62 = select i1 %61, i64 5, i64 %35
  %63 = add i64 %29, %62
  %64 = mul i64 %63, %1
  %65 = getelementptr inbounds float, ptr %0, i64 %64
  %66 = icmp slt i64 0, %24
  br i1 %66, label %loop8, label %exit9

exit6:                                            ; preds = %exit9, %pack_a
  br label %packed_a4

loop8:                                            ; preds = %loop8, %loop5
  %i10 = phi i64 [ 0, %loop5 ], [ %111, %loop8 ]
  %67 = add i64 %i3, %i10
  %68 = mul i64 %67, %2
  %69 = getelementptr inbounds float, ptr %40, i64 %68
  %70 = load float, ptr %69, align 4
  %71 = icmp slt i64 0, %32
  %72 = select i1 %71, float %70, float 0.000000e+00
  %73 = mul i64 %i10, 6
  %74 = add i64 %73, 0
  %75 = getelementptr inbounds float, ptr %34, i64 %74
  store float %72, ptr %75, align 4
  %76 = getelementptr inbounds float, ptr %45, i64 %68
  %77 = load float, ptr %76, align 4
  %78 = icmp slt i64 1, %32
  %79 = select i1 %78, float %77, float 0.000000e+00
  %80 = mul i64 %i10, 6
  %81 = add i64 %80, 1
  %82 = getelementptr inbounds float, ptr %34, i64 %81
  store float %79, ptr %82, align 4
  %83 = getelementptr inbounds float, ptr %50, i64 %68
  %84 = load float, ptr %83, align 4
  %85 = icmp slt i64 2, %32
  %86 = select i1 %85, float %84, float 0.000000e+00
  %87 = mul i64 %i10, 6
  %88 = add i64 %87, 2
  %89 = getelementptr inbounds float, ptr %34, i64 %88
  store float %86, ptr %89, align 4
  %90 = getelementptr inbounds float, ptr %55, i64 %68
  %91 = load float, ptr %90, align 4
  %92 = icmp slt i64 3, %32
  %93 = select i1 %92, float %91, float 0.000000e+00
  %94 = mul i64 %i10, 6
  %95 = add i64 %94, 3
  %96 = getelementptr inbounds float, ptr %34, i64 %95
  store float %93, ptr %96, align 4
  %97 = getelementptr inbounds float, ptr %60, i64 %68
  %98 = load float, ptr %97, align 4
  %99 = icmp slt i64 4, %32
  %100 = select i1 %99, float %98, float 0.000000e+00
  %101 = mul i64 %i10, 6
  %102 = add i64 %101, 4
  %103 = getelementptr inbounds float, ptr %34, i64 %102
  store float %100, ptr %103, align 4
  %104 = getelementptr inbounds float, ptr %65, i64 %68
  %105 = load float, ptr %104, align 4
  %106 = icmp slt i64 5, %32
  %107 = select i1 %106, float %105, float 0.000000e+00
  %108 = mul i64 %i10, 6
  %109 = add i64 %108, 5
  %110 = getelementptr inbounds float, ptr %34, i64 %109
  store float %107, ptr %110, align 4
  %111 = add i64 %i10, 1
  %112 = icmp slt i64 %111, %24
  br i1 %112, label %loop8, label %exit9

exit9:                                            ; preds = %loop8, %loop5
  %113 = add i64 %i7, 6
  %114 = icmp slt i64 %113, %20
  br i1 %114, label %loop5, label %exit6

loop11:                                           ; preds = %exit30, %packed_a4
  %i13 = phi i64 [ 0, %packed_a4 ], [ %228, %exit30 ]
  %115 = sub i64 %9, %i13
  %116 = icmp slt i64 128, %115
  %117 = select i1 %116, i64 128, i64 %115
  %118 = icmp eq i64 %5, 1
  br i1 %118, label %pack_vector, label %pack_scalar

exit12:                                           ; preds = %exit30, %packed_a4
  %119 = add i64 %i3, %16
  %120 = icmp slt i64 %119, %10
  br i1 %120, label %loop1, label %exit2

pack_vector:                                      ; preds = %loop11
  %121 = icmp slt i64 0, %117
  br i1 %121, label %loop14, label %exit15

pack_scalar:                                      ; preds = %loop11
  %122 = icmp slt i64 0, %117
  br i1 %122, label %loop20, label %exit21

packed:                                           ; preds = %exit21, %exit15
  %123 = icmp slt i64 0, %20
  br i1 %123, label %loop29, label %exit30

loop14:                                           ; preds = %exit18, %pack_vector
  %i16 = phi i64 [ 0, %pack_vector ], [ %164, %exit18 ]
  %124 = sub i64 %117, %i16
  %125 = mul i64 %i16, %24
  %126 = getelementptr inbounds float, ptr %packed_b, i64 %125
  %127 = add i64 %i13, %i16
  %128 = sub i64 %124, 0
  %129 = icmp slt i64 %128, 0
  %130 = select i1 %129, i64 0, i64 %128
  %131 = icmp slt i64 %130, 8
  %132 = select i1 %131, i64 %130, i64 8
  %133 = trunc i64 %132 to i32
  %134 = insertelement <8 x i32> undef, i32 %133, i64 0
  %135 = shufflevector <8 x i32> %134, <8 x i32> undef, <8 x i32> zeroinitializer
  %136 = icmp slt <8 x i32> <i32 0, i32 1, i32 2, i32 3, i32 4, i32 5, i32 6, i32 7>, %135
  %137 = sub i64 %124, 8
  %138 = icmp slt i64 %137, 0
  %139 = select i1 %138, i64 0, i64 %137
  %140 = icmp slt i64 %139, 8
  %141 = select i1 %140, i64 %139, i64 8
  %142 = trunc i64 %141 to i32
  %143 = insertelement <8 x i32> undef, i32 %142, i64 0
  %144 = shufflevector <8 x i32> %143, <8 x i32> undef, <8 x i32> zeroinitializer
  %145 = icmp slt <8 x i32> <i32 0, i32 1, i32 2, i32 3, i32 4, i32 5, i32 6, i32 7>, %144
  %146 = icmp slt i64 %124, 16
  %147 = select i1 %146, i64 %124, i64 16
  %148 = sub i64 %147, 1
  %149 = icmp slt i64 0, %24
  br i1 %149, label %loop17, label %exit18

exit15:                                           ; preds = %exit18, %pack_vector
  br label %packed

loop17:                                           ; preds = %loop17, %loop14
  %i19 = phi i64 [ 0, %loop14 ], [ %162, %loop17 ]
  %150 = add i64 %i3, %i19
  %151 = mul i64 %150, %4
  %152 = mul i64 %i19, 16
  %153 = getelementptr inbounds float, ptr %126, i64 %152
  %154 = add i64 %151, %127
  %155 = getelementptr inbounds float, ptr %3, i64 %154
  %156 = getelementptr inbounds float, ptr %155, i64 0
  %157 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %156, <8 x i1> %136, <8 x float> zeroinitializer)
  %158 = getelementptr inbounds float, ptr %153, i64 0
  store <8 x float> %157, ptr %158, align 32
  %159 = getelementptr inbounds float, ptr %155, i64 8
  %160 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %159, <8 x i1> %145, <8 x float> zeroinitializer)
  %161 = getelementptr inbounds float, ptr %153, i64 8
  store <8 x float> %160, ptr %161, align 32
  %162 = add i64 %i19, 1
  %163 = icmp slt i64 %162, %24
  br i1 %163, label %loop17, label %exit18

exit18:                                           ; preds = %loop17, %loop14
  %164 = add i64 %i16, 16
  %165 = icmp slt i64 %164, %117
  br i1 %165, label %loop14, label %exit15

loop20:                                           ; preds = %exit24, %pack_scalar
  %i22 = phi i64 [ 0, %pack_scalar ], [ %196, %exit24 ]
  %166 = sub i64 %117, %i22
  %167 = mul i64 %i22, %24
  %168 = getelementptr inbounds float, ptr %packed_b, i64 %167
  %169 = add i64 %i13, %i22
  %170 = sub i64 %166, 0
  %171 = icmp slt i64 %170, 0
  %172 = select i1 %171, i64 0, i64 %170
  %173 = icmp slt i64 %172, 8
  %174 = select i1 %173, i64 %172, i64 8
  %175 = trunc i64 %174 to i32
  %176 = insertelement <8 x i32> undef, i32 %175, i64 0
  %177 = shufflevector <8 x i32> %176, <8 x i32> undef, <8 x i32> zeroinitializer
  %178 = icmp slt <8 x i32> <i32 0, i32 1, i32 2, i32 3, i32 4, i32 5, i32 6, i32 7>, %177
  %179 = sub i64 %166, 8
  %180 = icmp slt i64 %179, 0
  %181 = select i1 %180, i64 0, i64 %179
  %182 = icmp slt i64 %181, 8
  %183 = select i1 %182, i64 %181, i64 8
  %184 = trunc i64 %183 to i32
  %185 = insertelement <8 x i32> undef, i32 %184, i64 0
  %186 = shufflevector <8 x i32> %185, <8 x i32> undef, <8 x i32> zeroinitializer
  %187 = icmp slt <8 x i32> <i32 0, i32 1, i32 2, i32 3, i32 4, i32 5, i32 6, i32 7>, %186
  %188 = icmp slt i64 %166, 16
  %189 = select i1 %188, i64 %166, i64 16
  %190 = sub i64 %189, 1
  %191 = icmp slt i64 0, %24
  br i1 %191, label %loop23, label %exit24

exit21:                                           ; preds = %exit24, %pack_scalar
  br label %packed

loop23:                                           ; preds = %exit27, %loop20
  %i25 = phi i64 [ 0, %loop20 ], [ %210, %exit27 ]
  %192 = add i64 %i3, %i25
  %193 = mul i64 %192, %4
  %194 = mul i64 %i25, 16
  %195 = getelementptr inbounds float, ptr %168, i64 %194
  br i1 true, label %loop26, label %exit27

exit24:                                           ; preds = %exit27, %loop20
  %196 = add i64 %i22, 16
  %197 = icmp slt i64 %196, %117
  br i1 %197, label %loop20, label %exit21

loop26:                                           ; preds = %loop26, %loop23
  %i28 = phi i64 [ 0, %loop23 ], [ %208, %loop26 ]
  %198 = icmp slt i64 %i28, %190
  %199 = select i1 %198, i64 %i28, i64 %190
  %200 = add i64 %169, %199
  %201 = mul i64 %200, %5
  %202 = add i64 %193, %201
  %203 = getelementptr inbounds float, ptr %3, i64 %202
  %204 = load float, ptr %203, align 4
  %205 = icmp slt i64 %i28, %166
  %206 = select i1 %205, float %204, float 0.000000e+00
  %207 = getelementptr inbounds float, ptr %195, i64 %i28
  store float %206, ptr %207, align 4
  %208 = add i64 %i28, 1
  %209 = icmp slt i64 %208, 16
  br i1 %209, label %loop26, label %exit27

exit27:                                           ; preds = %loop26, %loop23
  %210 = add i64 %i25, 1
  %211 = icmp slt i64 %210, %24
  br i1 %211, label %loop23, label %exit24

loop29:                                           ; preds = %exit33, %packed
  %i31 = phi i64 [ 0, %packed ], [ %238, %exit33 ]
  %212 = add i64 %i, %i31
  %213 = sub i64 %8, %212
  %214 = icmp slt i64 6, %213
  %215 = select i1 %214, i64 6, i64 %213
  %216 = mul i64 %212, %1
  %217 = add i64 %216, %i3
  %218 = getelementptr inbounds float, ptr %0, i64 %217
  %219 = mul i64 %i31, %24
  %220 = getelementptr inbounds float, ptr %packed_a, i64 %219
  %221 = select i1 %11, ptr %218, ptr %220
  %222 = select i1 %11, i64 %1, i64 1
  %223 = select i1 %11, i64 1, i64 6
  %224 = mul i64 %212, %7
  %225 = add i64 %224, %i13
  %226 = getelementptr inbounds float, ptr %6, i64 %225
  %227 = icmp slt i64 0, %117
  br i1 %227, label %loop32, label %exit33

exit30:                                           ; preds = %exit33, %packed
  %228 = add i64 %i13, 128
  %229 = icmp slt i64 %228, %9
  br i1 %229, label %loop11, label %exit12

loop32:                                           ; preds = %loop32, %loop29
  %i34 = phi i64 [ 0, %loop29 ], [ %236, %loop32 ]
  %230 = sub i64 %117, %i34
  %231 = icmp slt i64 16, %230
  %232 = select i1 %231, i64 16, i64 %230
  %233 = mul i64 %i34, %24
  %234 = getelementptr inbounds float, ptr %packed_b, i64 %233
  %235 = getelementptr inbounds float, ptr %226, i64 %i34
  call void @strata.ukernel.6x2x8(ptr %221, ptr %234, ptr %235, i64 %7, i64 %24, i64 %215, i64 %232, i64 %222, i64 %223)
  %236 = add i64 %i34, 16
  %237 = icmp slt i64 %236, %117
  br i1 %237, label %loop32, label %exit33

exit33:                                           ; preds = %loop32, %loop29
  %238 = add i64 %i31, 6
  %239 = icmp slt i64 %238, %20
  br i1 %239, label %loop29, label %exit30
}

; Function Attrs: nocallback nocreateundeforpoison nofree nosync nounwind speculatable willreturn memory(none)
declare <8 x float> @llvm.fabs.v8f32(<8 x float>) #1

; Function Attrs: nocallback nocreateundeforpoison nofree nosync nounwind speculatable willreturn memory(none)
declare <8 x float> @llvm.roundeven.v8f32(<8 x float>) #1

; Function Attrs: nocallback nocreateundeforpoison nofree nosync nounwind speculatable willreturn memory(none)
declare <8 x float> @llvm.copysign.v8f32(<8 x float>, <8 x float>) #1

attributes #0 = { nocallback nofree nosync nounwind willreturn memory(argmem: read) }
attributes #1 = { nocallback nocreateundeforpoison nofree nosync nounwind speculatable willreturn memory(none) }
attributes #2 = { nocallback nofree nosync nounwind willreturn memory(argmem: write) }
