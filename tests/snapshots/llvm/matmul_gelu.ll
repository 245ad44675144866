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

define internal void @strata.ukernel.6x2x8(ptr %0, ptr %1, ptr %2, i64 %3, i64 %4, i64 %5, i64 %6) {
entry:
  %7 = sub i64 %6, 0
  %8 = icmp slt i64 %7, 0
  %9 = select i1 %8, i64 0, i64 %7
  %10 = icmp slt i64 %9, 8
  %11 = select i1 %10, i64 %9, i64 8
  %12 = trunc i64 %11 to i32
  %13 = insertelement <8 x i32> undef, i32 %12, i64 0
  %14 = shufflevector <8 x i32> %13, <8 x i32> undef, <8 x i32> zeroinitializer
  %15 = icmp slt <8 x i32> <i32 0, i32 1, i32 2, i32 3, i32 4, i32 5, i32 6, i32 7>, %14
  %16 = sub i64 %6, 8
  %17 = icmp slt i64 %16, 0
  %18 = select i1 %17, i64 0, i64 %16
  %19 = icmp slt i64 %18, 8
  %20 = select i1 %19, i64 %18, i64 8
  %21 = trunc i64 %20 to i32
  %22 = insertelement <8 x i32> undef, i32 %21, i64 0
  %23 = shufflevector <8 x i32> %22, <8 x i32> undef, <8 x i32> zeroinitializer
  %24 = icmp slt <8 x i32> <i32 0, i32 1, i32 2, i32 3, i32 4, i32 5, i32 6, i32 7>, %23
  %25 = sub i64 %5, 1
  %26 = icmp slt i64 0, %25
  %27 = select i1 %26, i64 0, i64 %25
  %28 = mul i64 %27, %3
  %29 = getelementptr inbounds float, ptr %2, i64 %28
  %30 = icmp slt i64 1, %25
  %31 = select i1 %30, i64 1, i64 %25
  %32 = mul i64 %31, %3
  %33 = getelementptr inbounds float, ptr %2, i64 %32
  %34 = icmp slt i64 2, %25
  %35 = select i1 %34, i64 2, i64 %25
  %36 = mul i64 %35, %3
  %37 = getelementptr inbounds float, ptr %2, i64 %36
  %38 = icmp slt i64 3, %25
  %39 = select i1 %38, i64 3, i64 %25
  %40 = mul i64 %39, %3
  %41 = getelementptr inbounds float, ptr %2, i64 %40
  %42 = icmp slt i64 4, %25
  %43 = select i1 %42, i64 4, i64 %25
  %44 = mul i64 %43, %3
  %45 = getelementptr inbounds float, ptr %2, i64 %44
  %46 = icmp slt i64 5, %25
  %47 = select i1 %46, i64 5, i64 %25
  %48 = mul i64 %47, %3
  %49 = getelementptr inbounds float, ptr %2, i64 %48
  %50 = getelementptr inbounds float, ptr %29, i64 0
  %51 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %50, <8 x i1> %15, <8 x float> zeroinitializer)
  %52 = getelementptr inbounds float, ptr %29, i64 8
  %53 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %52, <8 x i1> %24, <8 x float> zeroinitializer)
  %54 = getelementptr inbounds float, ptr %33, i64 0
  %55 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %54, <8 x i1> %15, <8 x float> zeroinitializer)
  %56 = getelementptr inbounds float, ptr %33, i64 8
  %57 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %56, <8 x i1> %24, <8 x float> zeroinitializer)
  %58 = getelementptr inbounds float, ptr %37, i64 0
  %59 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %58, <8 x i1> %15, <8 x float> zeroinitializer)
  %60 = getelementptr inbounds float, ptr %37, i64 8
  %61 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %60, <8 x i1> %24, <8 x float> zeroinitializer)
  %62 = getelementptr inbounds float, ptr %41, i64 0
  %63 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %62, <8 x i1> %15, <8 x float> zeroinitializer)
  %64 = getelementptr inbounds float, ptr %41, i64 8
  %65 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %64, <8 x i1> %24, <8 x float> zeroinitializer)
  %66 = getelementptr inbounds float, ptr %45, i64 0
  %67 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %66, <8 x i1> %15, <8 x float> zeroinitializer)
  %68 = getelementptr inbounds float, ptr %45, i64 8
  %69 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %68, <8 x i1> %24, <8 x float> zeroinitializer)
  %70 = getelementptr inbounds float, ptr %49, i64 0
  %71 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %70, <8 x i1> %15, <8 x float> zeroinitializer)
  %72 = getelementptr inbounds float, ptr %49, i64 8
  %73 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %72, <8 x i1> %24, <8 x float> zeroinitializer)
  br label %k

k:                                                ; preds = %k, %entry
  %kk = phi i64 [ 0, %entry ], [ %118, %k ]
  %acc = phi <8 x float> [ %51, %entry ], [ %86, %k ]
  %acc1 = phi <8 x float> [ %53, %entry ], [ %87, %k ]
  %acc2 = phi <8 x float> [ %55, %entry ], [ %92, %k ]
  %acc3 = phi <8 x float> [ %57, %entry ], [ %93, %k ]
  %acc4 = phi <8 x float> [ %59, %entry ], [ %98, %k ]
  %acc5 = phi <8 x float> [ %61, %entry ], [ %99, %k ]
  %acc6 = phi <8 x float> [ %63, %entry ], [ %104, %k ]
  %acc7 = phi <8 x float> [ %65, %entry ], [ %105, %k ]
  %acc8 = phi <8 x float> [ %67, %entry ], [ %110, %k ]
  %acc9 = phi <8 x float> [ %69, %entry ], [ %111, %k ]
  %acc10 = phi <8 x float> [ %71, %entry ], [ %116, %k ]
  %acc11 = phi <8 x float> [ %73, %entry ], [ %117, %k ]
  %74 = mul i64 %kk, 16
  %75 = getelementptr inbounds float, ptr %1, i64 %74
  %76 = mul i64 %kk, 6
  %77 = getelementptr inbounds float, ptr %0, i64 %76
  %78 = getelementptr inbounds float, ptr %75, i64 0
  %79 = load <8 x float>, ptr %78, align 32
  %80 = getelementptr inbounds float, ptr %75, i64 8
  %81 = load <8 x float>, ptr %80, align 32
  %82 = getelementptr inbounds float, ptr %77, i64 0
  %83 = load float, ptr %82, align 4
  %84 = insertelement <8 x float> undef, float %83, i64 0
  %85 = shufflevector <8 x float> %84, <8 x float> undef, <8 x i32> zeroinitializer
  %86 = call <8 x float> @llvm.fma.v8f32(<8 x float> %85, <8 x float> %79, <8 x float> %acc)
  %87 = call <8 x float> @llvm.fma.v8f32(<8 x float> %85, <8 x float> %81, <8 x float> %acc1)
  %88 = getelementptr inbounds float, ptr %77, i64 1
  %89 = load float, ptr %88, align 4
  %90 = insertelement <8 x float> undef, float %89, i64 0
  %91 = shufflevector <8 x float> %90, <8 x float> undef, <8 x i32> zeroinitializer
  %92 = call <8 x float> @llvm.fma.v8f32(<8 x float> %91, <8 x float> %79, <8 x float> %acc2)
  %93 = call <8 x float> @llvm.fma.v8f32(<8 x float> %91, <8 x float> %81, <8 x float> %acc3)
  %94 = getelementptr inbounds float, ptr %77, i64 2
  %95 = load float, ptr %94, align 4
  %96 = insertelement <8 x float> undef, float %95, i64 0
  %97 = shufflevector <8 x float> %96, <8 x float> undef, <8 x i32> zeroinitializer
  %98 = call <8 x float> @llvm.fma.v8f32(<8 x float> %97, <8 x float> %79, <8 x float> %acc4)
  %99 = call <8 x float> @llvm.fma.v8f32(<8 x float> %97, <8 x float> %81, <8 x float> %acc5)
  %100 = getelementptr inbounds float, ptr %77, i64 3
  %101 = load float, ptr %100, align 4
  %102 = insertelement <8 x float> undef, float %101, i64 0
  %103 = shufflevector <8 x float> %102, <8 x float> undef, <8 x i32> zeroinitializer
  %104 = call <8 x float> @llvm.fma.v8f32(<8 x float> %103, <8 x float> %79, <8 x float> %acc6)
  %105 = call <8 x float> @llvm.fma.v8f32(<8 x float> %103, <8 x float> %81, <8 x float> %acc7)
  %106 = getelementptr inbounds float, ptr %77, i64 4
  %107 = load float, ptr %106, align 4
  %108 = insertelement <8 x float> undef, float %107, i64 0
  %109 = shufflevector <8 x float> %108, <8 x float> undef, <8 x i32> zeroinitializer
  %110 = call <8 x float> @llvm.fma.v8f32(<8 x float> %109, <8 x float> %79, <8 x float> %acc8)
  %111 = call <8 x float> @llvm.fma.v8f32(<8 x float> %109, <8 x float> %81, <8 x float> %acc9)
  %112 = getelementptr inbounds float, ptr %77, i64 5
  %113 = load float, ptr %112, align 4
  %114 = insertelement <8 x float> undef, float %113, i64 0
  %115 = shufflevector <8 x float> %114, <8 x float> undef, <8 x i32> zeroinitializer
  %116 = call <8 x float> @llvm.fma.v8f32(<8 x float> %115, <8 x float> %79, <8 x float> %acc10)
  %117 = call <8 x float> @llvm.fma.v8f32(<8 x float> %115, <8 x float> %81, <8 x float> %acc11)
  %118 = add i64 %kk, 1
  %119 = icmp slt i64 %118, %4
  br i1 %119, label %k, label %store

store:                                            ; preds = %k
  %120 = getelementptr inbounds float, ptr %29, i64 0
  call void @llvm.masked.store.v8f32.p0(<8 x float> %86, ptr %120, <8 x i1> %15)
  %121 = getelementptr inbounds float, ptr %29, i64 8
  call void @llvm.masked.store.v8f32.p0(<8 x float> %87, ptr %121, <8 x i1> %24)
  %122 = icmp slt i64 1, %5
  br i1 %122, label %row, label %next_row

row:                                              ; preds = %store
  %123 = getelementptr inbounds float, ptr %33, i64 0
  call void @llvm.masked.store.v8f32.p0(<8 x float> %92, ptr %123, <8 x i1> %15)
  %124 = getelementptr inbounds float, ptr %33, i64 8
  call void @llvm.masked.store.v8f32.p0(<8 x float> %93, ptr %124, <8 x i1> %24)
  br label %next_row

next_row:                                         ; preds = %row, %store
  %125 = icmp slt i64 2, %5
  br i1 %125, label %row12, label %next_row13

row12:                                            ; preds = %next_row
  %126 = getelementptr inbounds float, ptr %37, i64 0
  call void @llvm.masked.store.v8f32.p0(<8 x float> %98, ptr %126, <8 x i1> %15)
  %127 = getelementptr inbounds float, ptr %37, i64 8
  call void @llvm.masked.store.v8f32.p0(<8 x float> %99, ptr %127, <8 x i1> %24)
  br label %next_row13

next_row13:                                       ; preds = %row12, %next_row
  %128 = icmp slt i64 3, %5
  br i1 %128, label %row14, label %next_row15

row14:                                            ; preds = %next_row13
  %129 = getelementptr inbounds float, ptr %41, i64 0
  call void @llvm.masked.store.v8f32.p0(<8 x float> %104, ptr %129, <8 x i1> %15)
  %130 = getelementptr inbounds float, ptr %41, i64 8
  call void @llvm.masked.store.v8f32.p0(<8 x float> %105, ptr %130, <8 x i1> %24)
  br label %next_row15

next_row15:                                       ; preds = %row14, %next_row13
  %131 = icmp slt i64 4, %5
  br i1 %131, label %row16, label %next_row17

row16:                                            ; preds = %next_row15
  %132 = getelementptr inbounds float, ptr %45, i64 0
  call void @llvm.masked.store.v8f32.p0(<8 x float> %110, ptr %132, <8 x i1> %15)
  %133 = getelementptr inbounds float, ptr %45, i64 8
  call void @llvm.masked.store.v8f32.p0(<8 x float> %111, ptr %133, <8 x i1> %24)
  br label %next_row17

next_row17:                                       ; preds = %row16, %next_row15
  %134 = icmp slt i64 5, %5
  br i1 %134, label %row18, label %next_row19

row18:                                            ; preds = %next_row17
  %135 = getelementptr inbounds float, ptr %49, i64 0
  call void @llvm.masked.store.v8f32.p0(<8 x float> %116, ptr %135, <8 x i1> %15)
  %136 = getelementptr inbounds float, ptr %49, i64 8
  call void @llvm.masked.store.v8f32.p0(<8 x float> %117, ptr %136, <8 x i1> %24)
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
  %packed_b = alloca float, i64 65536, align 64
  %packed_a = alloca float, i64 1536, align 64
  %11 = icmp slt i64 0, %9
  br i1 %11, label %loop, label %exit

loop:                                             ; preds = %exit2, %entry
  %i = phi i64 [ 0, %entry ], [ %20, %exit2 ]
  %12 = sub i64 %9, %i
  %13 = icmp slt i64 256, %12
  %14 = select i1 %13, i64 256, i64 %12
  %15 = icmp slt i64 0, %10
  br i1 %15, label %loop1, label %exit2

exit:                                             ; preds = %exit2, %entry
  ret void

loop1:                                            ; preds = %exit17, %loop
  %i3 = phi i64 [ 0, %loop ], [ %296, %exit17 ]
  %16 = sub i64 %10, %i3
  %17 = icmp slt i64 256, %16
  %18 = select i1 %17, i64 256, i64 %16
  %19 = icmp eq i64 %5, 1
  br i1 %19, label %pack_vector, label %pack_scalar

exit2:                                            ; preds = %exit17, %loop
  %20 = add i64 %i, 256
  %21 = icmp slt i64 %20, %9
  br i1 %21, label %loop, label %exit

pack_vector:                                      ; preds = %loop1
  %22 = icmp slt i64 0, %14
  br i1 %22, label %loop4, label %exit5

pack_scalar:                                      ; preds = %loop1
  %23 = icmp slt i64 0, %14
  br i1 %23, label %loop10, label %exit11

packed:                                           ; preds = %exit11, %exit5
  %24 = icmp slt i64 0, %8
  br i1 %24, label %loop16, label %exit17

loop4:                                            ; preds = %exit8, %pack_vector
  %i6 = phi i64 [ 0, %pack_vector ], [ %65, %exit8 ]
  %25 = sub i64 %14, %i6
  %26 = mul i64 %i6, %18
  %27 = getelementptr inbounds float, ptr %packed_b, i64 %26
  %28 = add i64 %i, %i6
  %29 = sub i64 %25, 0
  %30 = icmp slt i64 %29, 0
  %31 = select i1 %30, i64 0, i64 %29
  %32 = icmp slt i64 %31, 8
  %33 = select i1 %32, i64 %31, i64 8
  %34 = trunc i64 %33 to i32
  %35 = insertelement <8 x i32> undef, i32 %34, i64 0
  %36 = shufflevector <8 x i32> %35, <8 x i32> undef, <8 x i32> zeroinitializer
  %37 = icmp slt <8 x i32> <i32 0, i32 1, i32 2, i32 3, i32 4, i32 5, i32 6, i32 7>, %36
  %38 = sub i64 %25, 8
  %39 = icmp slt i64 %38, 0
  %40 = select i1 %39, i64 0, i64 %38
  %41 = icmp slt i64 %40, 8
  %42 = select i1 %41, i64 %40, i64 8
  %43 = trunc i64 %42 to i32
  %44 = insertelement <8 x i32> undef, i32 %43, i64 0
  %45 = shufflevector <8 x i32> %44, <8 x i32> undef, <8 x i32> zeroinitializer
  %46 = icmp slt <8 x i32> <i32 0, i32 1, i32 2, i32 3, i32 4, i32 5, i32 6, i32 7>, %45
  %47 = icmp slt i64 %25, 16
  %48 = select i1 %47, i64 %25, i64 16
  %49 = sub i64 %48, 1
  %50 = icmp slt i64 0, %18
  br i1 %50, label %loop7, label %exit8

exit5:                                            ; preds = %exit8, %pack_vector
  br label %packed

loop7:                                            ; preds = %loop7, %loop4
  %i9 = phi i64 [ 0, %loop4 ], [ %63, %loop7 ]
  %51 = add i64 %i3, %i9
  %52 = mul i64 %51, %4
  %53 = mul i64 %i9, 16
  %54 = getelementptr inbounds float, ptr %27, i64 %53
  %55 = add i64 %52, %28
  %56 = getelementptr inbounds float, ptr %3, i64 %55
  %57 = getelementptr inbounds float, ptr %56, i64 0
  %58 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %57, <8 x i1> %37, <8 x float> zeroinitializer)
  %59 = getelementptr inbounds float, ptr %54, i64 0
  store <8 x float> %58, ptr %59, align 32
  %60 = getelementptr inbounds float, ptr %56, i64 8
  %61 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %60, <8 x i1> %46, <8 x float> zeroinitializer)
  %62 = getelementptr inbounds float, ptr %54, i64 8
  store <8 x float> %61, ptr %62, align 32
  %63 = add i64 %i9, 1
  %64 = icmp slt i64 %63, %18
  br i1 %64, label %loop7, label %exit8

exit8:                                            ; preds = %loop7, %loop4
  %65 = add i64 %i6, 16
  %66 = icmp slt i64 %65, %14
  br i1 %66, label %loop4, label %exit5

loop10:                                           ; preds = %exit14, %pack_scalar
  %i12 = phi i64 [ 0, %pack_scalar ], [ %259, %exit14 ]
  %67 = sub i64 %14, %i12
  %68 = mul i64 %i12, %18
  %69 = getelementptr inbounds float, ptr %packed_b, i64 %68
  %70 = add i64 %i, %i12
  %71 = sub i64 %67, 0
  %72 = icmp slt i64 %71, 0
  %73 = select i1 %72, i64 0, i64 %71
  %74 = icmp slt i64 %73, 8
  %75 = select i1 %74, i64 %73, i64 8
  %76 = trunc i64 %75 to i32
  %77 = insertelement <8 x i32> undef, i32 %76, i64 0
  %78 = shufflevector <8 x i32> %77, <8 x i32> undef, <8 x i32> zeroinitializer
  %79 = icmp slt <8 x i32> <i32 0, i32 1, i32 2, i32 3, i32 4, i32 5, i32 6, i32 7>, %78
  %80 = sub i64 %67, 8
  %81 = icmp slt i64 %80, 0
  %82 = select i1 %81, i64 0, i64 %80
  %83 = icmp slt i64 %82, 8
  %84 = select i1 %83, i64 %82, i64 8
  %85 = trunc i64 %84 to i32
  %86 = insertelement <8 x i32> undef, i32 %85, i64 0
  %87 = shufflevector <8 x i32> %86, <8 x i32> undef, <8 x i32> zeroinitializer
  %88 = icmp slt <8 x i32> <i32 0, i32 1, i32 2, i32 3, i32 4, i32 5, i32 6, i32 7>, %87
  %89 = icmp slt i64 %67, 16
  %90 = select i1 %89, i64 %67, i64 16
  %91 = sub i64 %90, 1
  %92 = icmp slt i64 0, %18
  br i1 %92, label %loop13, label %exit14

exit11:                                           ; preds = %exit14, %pack_scalar
  br label %packed

loop13:                                           ; preds = %loop13, %loop10
  %i15 = phi i64 [ 0, %loop10 ], [ %257, %loop13 ]
  %93 = add i64 %i3, %i15
  %94 = mul i64 %93, %4
  %95 = mul i64 %i15, 16
  %96 = getelementptr inbounds float, ptr %69, i64 %95
  %97 = icmp slt i64 0, %91
  %98 = select i1 %97, i64 0, i64 %91
  %99 = add i64 %70, %98
  %100 = mul i64 %99, %5
  %101 = add i64 %94, %100
  %102 = getelementptr inbounds float, ptr %3, i64 %101
  %103 = load float, ptr %102, align 4
  %104 = icmp slt i64 0, %67
  %105 = select i1 %104, float %103, float 0.000000e+00
  %106 = getelementptr inbounds float, ptr %96, i64 0
  store float %105, ptr %106, align 4
  %107 = icmp slt i64 1, %91
  %108 = select i1 %107, i64 1, i64 %91
  %109 = add i64 %70, %108
  %110 = mul i64 %109, %5
  %111 = add i64 %94, %110
  %112 = getelementptr inbounds float, ptr %3, i64 %111
  %113 = load float, ptr %112, align 4
  %114 = icmp slt i64 1, %67
  %115 = select i1 %114, float %113, float 0.000000e+00
  %116 = getelementptr inbounds float, ptr %96, i64 1
  store float %115, ptr %116, align 4
  %117 = icmp slt i64 2, %91
  %118 = select i1 %117, i64 2, i64 %91
  %119 = add i64 %70, %118
  %120 = mul i64 %119, %5
  %121 = add i64 %94, %120
  %122 = getelementptr inbounds float, ptr %3, i64 %121
  %123 = load float, ptr %122, align 4
  %124 = icmp slt i64 2, %67
  %125 = select i1 %124, float %123, float 0.000000e+00
  %126 = getelementptr inbounds float, ptr %96, i64 2
  store float %125, ptr %126, align 4
  %127 = icmp slt i64 3, %91
  %128 = select i1 %127, i64 3, i64 %91
  %129 = add i64 %70, %128
  %130 = mul i64 %129, %5
  %131 = add i64 %94, %130
  %132 = getelementptr inbounds float, ptr %3, i64 %131
  %133 = load float, ptr %132, align 4
  %134 = icmp slt i64 3, %67
  %135 = select i1 %134, float %133, float 0.000000e+00
  %136 = getelementptr inbounds float, ptr %96, i64 3
  store float %135, ptr %136, align 4
  %137 = icmp slt i64 4, %91
  %138 = select i1 %137, i64 4, i64 %91
  %139 = add i64 %70, %138
  %140 = mul i64 %139, %5
  %141 = add i64 %94, %140
  %142 = getelementptr inbounds float, ptr %3, i64 %141
  %143 = load float, ptr %142, align 4
  %144 = icmp slt i64 4, %67
  %145 = select i1 %144, float %143, float 0.000000e+00
  %146 = getelementptr inbounds float, ptr %96, i64 4
  store float %145, ptr %146, align 4
  %147 = icmp slt i64 5, %91
  %148 = select i1 %147, i64 5, i64 %91
  %149 = add i64 %70, %148
  %150 = mul i64 %149, %5
  %151 = add i64 %94, %150
  %152 = getelementptr inbounds float, ptr %3, i64 %151
  %153 = load float, ptr %152, align 4
  %154 = icmp slt i64 5, %67
  %155 = select i1 %154, float %153, float 0.000000e+00
  %156 = getelementptr inbounds float, ptr %96, i64 5
  store float %155, ptr %156, align 4
  %157 = icmp slt i64 6, %91
  %158 = select i1 %157, i64 6, i64 %91
  %159 = add i64 %70, %158
  %160 = mul i64 %159, %5
  %161 = add i64 %94, %160
  %162 = getelementptr inbounds float, ptr %3, i64 %161
  %163 = load float, ptr %162, align 4
  %164 = icmp slt i64 6, %67
  %165 = select i1 %164, float %163, float 0.000000e+00
  %166 = getelementptr inbounds float, ptr %96, i64 6
  store float %165, ptr %166, align 4
  %167 = icmp slt i64 7, %91
  %168 = select i1 %167, i64 7, i64 %91
  %169 = add i64 %70, %168
  %170 = mul i64 %169, %5
  %171 = add i64 %94, %170
  %172 = getelementptr inbounds float, ptr %3, i64 %171
  %173 = load float, ptr %172, align 4
  %174 = icmp slt i64 7, %67
  %175 = select i1 %174, float %173, float 0.000000e+00
  %176 = getelementptr inbounds float, ptr %96, i64 7
  store float %175, ptr %176, align 4
  %177 = icmp slt i64 8, %91
  %178 = select i1 %177, i64 8, i64 %91
  %179 = add i64 %70, %178
  %180 = mul i64 %179, %5
  %181 = add i64 %94, %180
  %182 = getelementptr inbounds float, ptr %3, i64 %181
  %183 = load float, ptr %182, align 4
  %184 = icmp slt i64 8, %67
  %185 = select i1 %184, float %183, float 0.000000e+00
  %186 = getelementptr inbounds float, ptr %96, i64 8
  store float %185, ptr %186, align 4
  %187 = icmp slt i64 9, %91
  %188 = select i1 %187, i64 9, i64 %91
  %189 = add i64 %70, %188
  %190 = mul i64 %189, %5
  %191 = add i64 %94, %190
  %192 = getelementptr inbounds float, ptr %3, i64 %191
  %193 = load float, ptr %192, align 4
  %194 = icmp slt i64 9, %67
  %195 = select i1 %194, float %193, float 0.000000e+00
  %196 = getelementptr inbounds float, ptr %96, i64 9
  store float %195, ptr %196, align 4
  %197 = icmp slt i64 10, %91
  %198 = select i1 %197, i64 10, i64 %91
  %199 = add i64 %70, %198
  %200 = mul i64 %199, %5
  %201 = add i64 %94, %200
  %202 = getelementptr inbounds float, ptr %3, i64 %201
  %203 = load float, ptr %202, align 4
  %204 = icmp slt i64 10, %67
  %205 = select i1 %204, float %203, float 0.000000e+00
  %206 = getelementptr inbounds float, ptr %96, i64 10
  store float %205, ptr %206, align 4
  %207 = icmp slt i64 11, %91
  %208 = select i1 %207, i64 11, i64 %91
  %209 = add i64 %70, %208
  %210 = mul i64 %209, %5
  %211 = add i64 %94, %210
  %212 = getelementptr inbounds float, ptr %3, i64 %211
  %213 = load float, ptr %212, align 4
  %214 = icmp slt i64 11, %67
  %215 = select i1 %214, float %213, float 0.000000e+00
  %216 = getelementptr inbounds float, ptr %96, i64 11
  store float %215, ptr %216, align 4
  %217 = icmp slt i64 12, %91
  %218 = select i1 %217, i64 12, i64 %91
  %219 = add i64 %70, %218
  %220 = mul i64 %219, %5
  %221 = add i64 %94, %220
  %222 = getelementptr inbounds float, ptr %3, i64 %221
  %223 = load float, ptr %222, align 4
  %224 = icmp slt i64 12, %67
  %225 = select i1 %224, float %223, float 0.000000e+00
  %226 = getelementptr inbounds float, ptr %96, i64 12
  store float %225, ptr %226, align 4
  %227 = icmp slt i64 13, %91
  %228 = select i1 %227, i64 13, i64 %91
  %229 = add i64 %70, %228
  %230 = mul i64 %229, %5
  %231 = add i64 %94, %230
  %232 = getelementptr inbounds float, ptr %3, i64 %231
  %233 = load float, ptr %232, align 4
  %234 = icmp slt i64 13, %67
  %235 = select i1 %234, float %233, float 0.000000e+00
  %236 = getelementptr inbounds float, ptr %96, i64 13
  store float %235, ptr %236, align 4
  %237 = icmp slt i64 14, %91
  %238 = select i1 %237, i64 14, i64 %91
  %239 = add i64 %70, %238
  %240 = mul i64 %239, %5
  %241 = add i64 %94, %240
  %242 = getelementptr inbounds float, ptr %3, i64 %241
  %243 = load float, ptr %242, align 4
  %244 = icmp slt i64 14, %67
  %245 = select i1 %244, float %243, float 0.000000e+00
  %246 = getelementptr inbounds float, ptr %96, i64 14
  store float %245, ptr %246, align 4
  %247 = icmp slt i64 15, %91
  %248 = select i1 %247, i64 15, i64 %91
  %249 = add i64 %70, %248
  %250 = mul i64 %249, %5
  %251 = add i64 %94, %250
  %252 = getelementptr inbounds float, ptr %3, i64 %251
  %253 = load float, ptr %252, align 4
  %254 = icmp slt i64 15, %67
  %255 = select i1 %254, float %253, float 0.000000e+00
  %256 = getelementptr inbounds float, ptr %96, i64 15
  store float %255, ptr %256, align 4
  %257 = add i64 %i15, 1
  %258 = icmp slt i64 %257, %18
  br i1 %258, label %loop13, label %exit14

exit14:                                           ; preds = %loop13, %loop10
  %259 = add i64 %i12, 16
  %260 = icmp slt i64 %259, %14
  br i1 %260, label %loop10, label %exit11

loop16:                                           ; preds = %exit23, %packed
  %i18 = phi i64 [ 0, %packed ], [ %356, %exit23 ]
  %261 = sub i64 %8, %i18
  %262 = icmp slt i64 6, %261
  %263 = select i1 %262, i64 6, i64 %261
  %264 = sub i64 %263, 1
  %265 = icmp slt i64 0, %264
  %266 = select i1 %265, i64 0, i64 %264
  %267 = add i64 %i18, %266
  %268 = mul i64 %267, %1
  %269 = getelementptr inbounds float, ptr %0, i64 %268
  %270 = icmp slt i64 1, %264
  %271 = select i1 %270, i64 1, i64 %264
  %272 = add i64 %i18, %271
  %273 = mul i64 %272, %1
  %274 = getelementptr inbounds float, ptr %0, i64 %273
  %275 = icmp slt i64 2, %264
  %276 = select i1 %275, i64 2, i64 %264
  %277 = add i64 %i18, %276
  %278 = mul i64 %277, %1
  %279 = getelementptr inbounds float, ptr %0, i64 %278
  %280 = icmp slt i64 3, %264
  %281 = select i1 %280, i64 3, i64 %264
  %282 = add i64 %i18, %281
  %283 = mul i64 %282, %1
  %284 = getelementptr inbounds float, ptr %0, i64 %283
  %285 = icmp slt i64 4, %264
  %286 = select i1 %285, i64 4, i64 %264
  %287 = add i64 %i18, %286
  %288 = mul i64 %287, %1
  %289 = getelementptr inbounds float, ptr %0, i64 %288
  %290 = icmp slt i64 5, %264
  %291 = select i1 %290, i64 5, i64 %264
  %292 = add i64 %i18, %291
  %293 = mul i64 %292, %1
  %294 = getelementptr inbounds float, ptr %0, i64 %293
  %295 = icmp slt i64 0, %18
  br i1 %295, label %loop19, label %exit20

exit17:                                           ; preds = %exit23, %packed
  %296 = add i64 %i3, 256
  %297 = icmp slt i64 %296, %10
  br i1 %297, label %loop1, label %exit2

loop19:                                           ; preds = %loop19, %loop16
  %i21 = phi i64 [ 0, %loop16 ], [ %342, %loop19 ]
  %298 = add i64 %i3, %i21
  %299 = mul i64 %298, %2
  %300 = getelementptr inbounds float, ptr %269, i64 %299
  %301 = load float, ptr %300, align 4
  %302 = icmp slt i64 0, %263
  %303 = select i1 %302, float %301, float 0.000000e+00
  %304 = mul i64 %i21, 6
  %305 = add i64 %304, 0
  %306 = getelementptr inbounds float, ptr %packed_a, i64 %305
  store float %303, ptr %306, align 4
  %307 = getelementptr inbounds float, ptr %274, i64 %299
  %308 = load float, ptr %307, align 4
  %309 = icmp slt i64 1, %263
  %310 = select i1 %309, float %308, float 0.000000e+00
  %311 = mul i64 %i21, 6
  %312 = add i64 %311, 1
  %313 = getelementptr inbounds float, ptr %packed_a, i64 %312
  store float %310, ptr %313, align 4
  %314 = getelementptr inbounds float, ptr %279, i64 %299
  %315 = load float, ptr %314, align 4
  %316 = icmp slt i64 2, %263
  %317 = select i1 %316, float %315, float 0.000000e+00
  %318 = mul i64 %i21, 6
  %319 = add i64 %318, 2
  %320 = getelementptr inbounds float, ptr %packed_a, i64 %319
  store float %317, ptr %320, align 4
  %321 = getelementptr inbounds float, ptr %284, i64 %299
  %322 = load float, ptr %321, align 4
  %323 = icmp slt i64 3, %263
  %324 = select i1 %323, float %322, float 0.000000e+00
  %325 = mul i64 %i21, 6
  %326 = add i64 %325, 3
  %327 = getelementptr inbounds float, ptr %packed_a, i64 %326
  store float %324, ptr %327, align 4
  %328 = getelementptr inbounds float, ptr %289, i64 %299
  %329 = load float, ptr %328, align 4
  %330 = icmp slt i64 4, %263
  %331 = select i1 %330, float %329, float 0.000000e+00
  %332 = mul i64 %i21, 6
  %333 = add i64 %332, 4
  %334 = getelementptr inbounds float, ptr %packed_a, i64 %333
  store float %331, ptr %334, align 4
  %335 = getelementptr inbounds float, ptr %294, i64 %299
  %336 = load float, ptr %335, align 4
  %337 = icmp slt i64 5, %263
  %338 = select i1 %337, float %336, float 0.000000e+00
  %339 = mul i64 %i21, 6
  %340 = add i64 %339, 5
  %341 = getelementptr inbounds float, ptr %packed_a, i64 %340
  store float %338, ptr %341, align 4
  %342 = add i64 %i21, 1
  %343 = icmp slt i64 %342, %18
  br i1 %343, label %loop19, label %exit20

exit20:                                           ; preds = %loop19, %loop16
  %344 = mul i64 %i18, %7
  %345 = add i64 %344, %i
  %346 = getelementptr inbounds float, ptr %6, i64 %345
  %347 = icmp slt i64 0, %14
  br i1 %347, label %loop22, label %exit23

loop22:                                           ; preds = %loop22, %exit20
  %i24 = phi i64 [ 0, %exit20 ], [ %354, %loop22 ]
  %348 = sub i64 %14, %i24
  %349 = icmp slt i64 16, %348
  %350 = select i1 %349, i64 16, i64 %348
  %351 = mul i64 %i24, %18
  %352 = getelementptr inbounds float, ptr %packed_b, i64 %351
  %353 = getelementptr inbounds float, ptr %346, i64 %i24
  call void @strata.ukernel.6x2x8(ptr %packed_a, ptr %352, ptr %353, i64 %7, i64 %18, i64 %263, i64 %350)
  %354 = add i64 %i24, 16
  %355 = icmp slt i64 %354, %14
  br i1 %355, label %loop22, label %exit23

exit23:                                           ; preds = %loop22, %exit20
  %356 = add i64 %i18, 6
  %357 = icmp slt i64 %356, %8
  br i1 %357, label %loop16, label %exit17
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
