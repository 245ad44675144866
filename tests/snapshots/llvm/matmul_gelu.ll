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
  %packed_a = alloca float, i64 64512, align 64
  %11 = add i64 %10, 255
  %12 = udiv i64 %11, 256
  %13 = sub i64 %12, 1
  %14 = add i64 %10, %13
  %15 = udiv i64 %14, %12
  %16 = icmp slt i64 0, %8
  br i1 %16, label %loop, label %exit

loop:                                             ; preds = %exit2, %entry
  %i = phi i64 [ 0, %entry ], [ %25, %exit2 ]
  %17 = sub i64 %8, %i
  %18 = icmp slt i64 252, %17
  %19 = select i1 %18, i64 252, i64 %17
  %20 = icmp slt i64 0, %10
  br i1 %20, label %loop1, label %exit2

exit:                                             ; preds = %exit2, %entry
  ret void

loop1:                                            ; preds = %exit11, %loop
  %i3 = phi i64 [ 0, %loop ], [ %118, %exit11 ]
  %21 = sub i64 %10, %i3
  %22 = icmp slt i64 %15, %21
  %23 = select i1 %22, i64 %15, i64 %21
  %24 = icmp slt i64 0, %19
  br i1 %24, label %loop4, label %exit5

exit2:                                            ; preds = %exit11, %loop
  %25 = add i64 %i, 252
  %26 = icmp slt i64 %25, %8
  br i1 %26, label %loop, label %exit

loop4:                                            ; preds = %exit8, %loop1
  %i6 = phi i64 [ 0, %loop1 ], [ %112, %exit8 ]
  %27 = add i64 %i, %i6
  %28 = sub i64 %8, %27
  %29 = icmp slt i64 6, %28
  %30 = select i1 %29, i64 6, i64 %28
  %31 = mul i64 %i6, %23
  %32 = getelementptr inbounds float, ptr %packed_a, i64 %31
  %33 = sub i64 %30, 1
  %34 = icmp slt i64 0, %33
  %35 = select i1 %34, i64 0, i64 %33
  %36 = add i64 %27, %35
  %37 = mul i64 %36, %1
  %38 = getelementptr inbounds float, ptr %0, i64 %37
  %39 = icmp slt i64 1, %33
  %40 = select i1 %39, i64 1, i64 %33
  %41 = add i64 %27, %40
  %42 = mul i64 %41, %1
  %43 = getelementptr inbounds float, ptr %0, i64 %42
  %44 = icmp slt i64 2, %33
  %45 = select i1 %44, i64 2, i64 %33
  %46 = add i64 %27, %45
  %47 = mul i64 %46, %1
  %48 = getelementptr inbounds float, ptr %0, i64 %47
  %49 = icmp slt i64 3, %33
  %50 = select i1 %49, i64 3, i64 %33
  %51 = add i64 %27, %50
  %52 = mul i64 %51, %1
  %53 = getelementptr inbounds float, ptr %0, i64 %52
  %54 = icmp slt i64 4, %33
  %55 = select i1 %54, i64 4, i64 %33
  %56 = add i64 %27, %55
  %57 = mul i64 %56, %1
  %58 = getelementptr inbounds float, ptr %0, i64 %57
  %59 = icmp slt i64 5, %33
  %60 = select i1 %59, i64 5, i64 %33
  %61 = add i64 %27, %60
  %62 = mul i64 %61, %1
  %63 = getelementptr inbounds float, ptr %0, i64 %62
  %64 = icmp slt i64 0, %23
  br i1 %64, label %loop7, label %exit8

exit5:                                            ; preds = %exit8, %loop1
  %65 = icmp slt i64 0, %9
  br i1 %65, label %loop10, label %exit11

loop7:                                            ; preds = %loop7, %loop4
  %i9 = phi i64 [ 0, %loop4 ], [ %110, %loop7 ]
  %66 = add i64 %i3, %i9
  %67 = mul i64 %66, %2
  %68 = getelementptr inbounds float, ptr %38, i64 %67
  %69 = load float, ptr %68, align 4
  %70 = icmp slt i64 0, %30
  %71 = select i1 %70, float %69, float 0.000000e+00
  %72 = mul i64 %i9, 6
  %73 = add i64 %72, 0
  %74 = getelementptr inbounds float, ptr %32, i64 %73
  store float %71, ptr %74, align 4
  %75 = getelementptr inbounds float, ptr %43, i64 %67
  %76 = load float, ptr %75, align 4
  %77 = icmp slt i64 1, %30
  %78 = select i1 %77, float %76, float 0.000000e+00
  %79 = mul i64 %i9, 6
  %80 = add i64 %79, 1
  %81 = getelementptr inbounds float, ptr %32, i64 %80
  store float %78, ptr %81, align 4
  %82 = getelementptr inbounds float, ptr %48, i64 %67
  %83 = load float, ptr %82, align 4
  %84 = icmp slt i64 2, %30
  %85 = select i1 %84, float %83, float 0.000000e+00
  %86 = mul i64 %i9, 6
  %87 = add i64 %86, 2
  %88 = getelementptr inbounds float, ptr %32, i64 %87
  store float %85, ptr %88, align 4
  %89 = getelementptr inbounds float, ptr %53, i64 %67
  %90 = load float, ptr %89, align 4
  %91 = icmp slt i64 3, %30
  %92 = select i1 %91, float %90, float 0.000000e+00
  %93 = mul i64 %i9, 6
  %94 = add i64 %93, 3
  %95 = getelementptr inbounds float, ptr %32, i64 %94
  store float %92, ptr %95, align 4
  %96 = getelementptr inbounds float, ptr %58, i64 %67
  %97 = load float, ptr %96, align 4
  %98 = icmp slt i64 4, %30
  %99 = select i1 %98, float %97, float 0.000000e+00
  %100 = mul i64 %i9, 6
  %101 = add i64 %100, 4
  %102 = getelementptr inbounds float, ptr %32, i64 %101
  store float %99, ptr %102, align 4
  %103 = getelementptr inbounds float, ptr %63, i64 %67
  %104 = load float, ptr %103, align 4
  %105 = icmp slt i64 5, %30
  %106 = select i1 %105, float %104, float 0.000000e+00
  %107 = mul i64 %i9, 6
  %108 = add i64 %107, 5
  %109 = getelementptr inbounds float, ptr %32, i64 %108
  store float %106, ptr %109, align 4
  %110 = add i64 %i9, 1
  %111 = icmp slt i64 %110, %23
  br i1 %111, label %loop7, label %exit8

exit8:                                            ; preds = %loop7, %loop4
  %112 = add i64 %i6, 6
  %113 = icmp slt i64 %112, %19
  br i1 %113, label %loop4, label %exit5

loop10:                                           ; preds = %exit29, %exit5
  %i12 = phi i64 [ 0, %exit5 ], [ %221, %exit29 ]
  %114 = sub i64 %9, %i12
  %115 = icmp slt i64 256, %114
  %116 = select i1 %115, i64 256, i64 %114
  %117 = icmp eq i64 %5, 1
  br i1 %117, label %pack_vector, label %pack_scalar

exit11:                                           ; preds = %exit29, %exit5
  %118 = add i64 %i3, %15
  %119 = icmp slt i64 %118, %10
  br i1 %119, label %loop1, label %exit2

pack_vector:                                      ; preds = %loop10
  %120 = icmp slt i64 0, %116
  br i1 %120, label %loop13, label %exit14

pack_scalar:                                      ; preds = %loop10
  %121 = icmp slt i64 0, %116
  br i1 %121, label %loop19, label %exit20

packed:                                           ; preds = %exit20, %exit14
  %122 = icmp slt i64 0, %19
  br i1 %122, label %loop28, label %exit29

loop13:                                           ; preds = %exit17, %pack_vector
  %i15 = phi i64 [ 0, %pack_vector ], [ %163, %exit17 ]
  %123 = sub i64 %116, %i15
  %124 = mul i64 %i15, %23
  %125 = getelementptr inbounds float, ptr %packed_b, i64 %124
  %126 = add i64 %i12, %i15
  %127 = sub i64 %123, 0
  %128 = icmp slt i64 %127, 0
  %129 = select i1 %128, i64 0, i64 %127
  %130 = icmp slt i64 %129, 8
  %131 = select i1 %130, i64 %129, i64 8
  %132 = trunc i64 %131 to i32
  %133 = insertelement <8 x i32> undef, i32 %132, i64 0
  %134 = shufflevector <8 x i32> %133, <8 x i32> undef, <8 x i32> zeroinitializer
  %135 = icmp slt <8 x i32> <i32 0, i32 1, i32 2, i32 3, i32 4, i32 5, i32 6, i32 7>, %134
  %136 = sub i64 %123, 8
  %137 = icmp slt i64 %136, 0
  %138 = select i1 %137, i64 0, i64 %136
  %139 = icmp slt i64 %138, 8
  %140 = select i1 %139, i64 %138, i64 8
  %141 = trunc i64 %140 to i32
  %142 = insertelement <8 x i32> undef, i32 %141, i64 0
  %143 = shufflevector <8 x i32> %142, <8 x i32> undef, <8 x i32> zeroinitializer
  %144 = icmp slt <8 x i32> <i32 0, i32 1, i32 2, i32 3, i32 4, i32 5, i32 6, i32 7>, %143
  %145 = icmp slt i64 %123, 16
  %146 = select i1 %145, i64 %123, i64 16
  %147 = sub i64 %146, 1
  %148 = icmp slt i64 0, %23
  br i1 %148, label %loop16, label %exit17

exit14:                                           ; preds = %exit17, %pack_vector
  br label %packed

loop16:                                           ; preds = %loop16, %loop13
  %i18 = phi i64 [ 0, %loop13 ], [ %161, %loop16 ]
  %149 = add i64 %i3, %i18
  %150 = mul i64 %149, %4
  %151 = mul i64 %i18, 16
  %152 = getelementptr inbounds float, ptr %125, i64 %151
  %153 = add i64 %150, %126
  %154 = getelementptr inbounds float, ptr %3, i64 %153
  %155 = getelementptr inbounds float, ptr %154, i64 0
  %156 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %155, <8 x i1> %135, <8 x float> zeroinitializer)
  %157 = getelementptr inbounds float, ptr %152, i64 0
  store <8 x float> %156, ptr %157, align 32
  %158 = getelementptr inbounds float, ptr %154, i64 8
  %159 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %158, <8 x i1> %144, <8 x float> zeroinitializer)
  %160 = getelementptr inbounds float, ptr %152, i64 8
  store <8 x float> %159, ptr %160, align 32
  %161 = add i64 %i18, 1
  %162 = icmp slt i64 %161, %23
  br i1 %162, label %loop16, label %exit17

exit17:                                           ; preds = %loop16, %loop13
  %163 = add i64 %i15, 16
  %164 = icmp slt i64 %163, %116
  br i1 %164, label %loop13, label %exit14

loop19:                                           ; preds = %exit23, %pack_scalar
  %i21 = phi i64 [ 0, %pack_scalar ], [ %195, %exit23 ]
  %165 = sub i64 %116, %i21
  %166 = mul i64 %i21, %23
  %167 = getelementptr inbounds float, ptr %packed_b, i64 %166
  %168 = add i64 %i12, %i21
  %169 = sub i64 %165, 0
  %170 = icmp slt i64 %169, 0
  %171 = select i1 %170, i64 0, i64 %169
  %172 = icmp slt i64 %171, 8
  %173 = select i1 %172, i64 %171, i64 8
  %174 = trunc i64 %173 to i32
  %175 = insertelement <8 x i32> undef, i32 %174, i64 0
  %176 = shufflevector <8 x i32> %175, <8 x i32> undef, <8 x i32> zeroinitializer
  %177 = icmp slt <8 x i32> <i32 0, i32 1, i32 2, i32 3, i32 4, i32 5, i32 6, i32 7>, %176
  %178 = sub i64 %165, 8
  %179 = icmp slt i64 %178, 0
  %180 = select i1 %179, i64 0, i64 %178
  %181 = icmp slt i64 %180, 8
  %182 = select i1 %181, i64 %180, i64 8
  %183 = trunc i64 %182 to i32
  %184 = insertelement <8 x i32> undef, i32 %183, i64 0
  %185 = shufflevector <8 x i32> %184, <8 x i32> undef, <8 x i32> zeroinitializer
  %186 = icmp slt <8 x i32> <i32 0, i32 1, i32 2, i32 3, i32 4, i32 5, i32 6, i32 7>, %185
  %187 = icmp slt i64 %165, 16
  %188 = select i1 %187, i64 %165, i64 16
  %189 = sub i64 %188, 1
  %190 = icmp slt i64 0, %23
  br i1 %190, label %loop22, label %exit23

exit20:                                           ; preds = %exit23, %pack_scalar
  br label %packed

loop22:                                           ; preds = %exit26, %loop19
  %i24 = phi i64 [ 0, %loop19 ], [ %209, %exit26 ]
  %191 = add i64 %i3, %i24
  %192 = mul i64 %191, %4
  %193 = mul i64 %i24, 16
  %194 = getelementptr inbounds float, ptr %167, i64 %193
  br i1 true, label %loop25, label %exit26

exit23:                                           ; preds = %exit26, %loop19
  %195 = add i64 %i21, 16
  %196 = icmp slt i64 %195, %116
  br i1 %196, label %loop19, label %exit20

loop25:                                           ; preds = %loop25, %loop22
  %i27 = phi i64 [ 0, %loop22 ], [ %207, %loop25 ]
  %197 = icmp slt i64 %i27, %189
  %198 = select i1 %197, i64 %i27, i64 %189
  %199 = add i64 %168, %198
  %200 = mul i64 %199, %5
  %201 = add i64 %192, %200
  %202 = getelementptr inbounds float, ptr %3, i64 %201
  %203 = load float, ptr %202, align 4
  %204 = icmp slt i64 %i27, %165
  %205 = select i1 %204, float %203, float 0.000000e+00
  %206 = getelementptr inbounds float, ptr %194, i64 %i27
  store float %205, ptr %206, align 4
  %207 = add i64 %i27, 1
  %208 = icmp slt i64 %207, 16
  br i1 %208, label %loop25, label %exit26

exit26:                                           ; preds = %loop25, %loop22
  %209 = add i64 %i24, 1
  %210 = icmp slt i64 %209, %23
  br i1 %210, label %loop22, label %exit23

loop28:                                           ; preds = %exit32, %packed
  %i30 = phi i64 [ 0, %packed ], [ %231, %exit32 ]
  %211 = add i64 %i, %i30
  %212 = sub i64 %8, %211
  %213 = icmp slt i64 6, %212
  %214 = select i1 %213, i64 6, i64 %212
  %215 = mul i64 %i30, %23
  %216 = getelementptr inbounds float, ptr %packed_a, i64 %215
  %217 = mul i64 %211, %7
  %218 = add i64 %217, %i12
  %219 = getelementptr inbounds float, ptr %6, i64 %218
  %220 = icmp slt i64 0, %116
  br i1 %220, label %loop31, label %exit32

exit29:                                           ; preds = %exit32, %packed
  %221 = add i64 %i12, 256
  %222 = icmp slt i64 %221, %9
  br i1 %222, label %loop10, label %exit11

loop31:                                           ; preds = %loop31, %loop28
  %i33 = phi i64 [ 0, %loop28 ], [ %229, %loop31 ]
  %223 = sub i64 %116, %i33
  %224 = icmp slt i64 16, %223
  %225 = select i1 %224, i64 16, i64 %223
  %226 = mul i64 %i33, %23
  %227 = getelementptr inbounds float, ptr %packed_b, i64 %226
  %228 = getelementptr inbounds float, ptr %219, i64 %i33
  call void @strata.ukernel.6x2x8(ptr %216, ptr %227, ptr %228, i64 %7, i64 %23, i64 %214, i64 %225)
  %229 = add i64 %i33, 16
  %230 = icmp slt i64 %229, %116
  br i1 %230, label %loop31, label %exit32

exit32:                                           ; preds = %loop31, %loop28
  %231 = add i64 %i30, 6
  %232 = icmp slt i64 %231, %19
  br i1 %232, label %loop28, label %exit29
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
