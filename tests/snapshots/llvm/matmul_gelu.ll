define i32 @main_k0(ptr %0, i64 %1, i64 %2, i64 %3) {
entry:
  %4 = getelementptr inbounds ptr, ptr %0, i64 0
  %buf = load ptr, ptr %4, align 8
  %5 = getelementptr inbounds ptr, ptr %0, i64 1
  %buf1 = load ptr, ptr %5, align 8
  %6 = getelementptr inbounds ptr, ptr %0, i64 2
  %buf2 = load ptr, ptr %6, align 8
  %7 = getelementptr inbounds float, ptr %buf, i64 0
  %8 = getelementptr inbounds float, ptr %buf1, i64 0
  %9 = getelementptr inbounds float, ptr %buf2, i64 0
  call void @strata.gemm.5x2x8(ptr %7, i64 32, i64 1, ptr %8, i64 16, i64 1, ptr %9, i64 16, i64 8, i64 16, i64 32, i64 0)
  br i1 true, label %loop, label %exit

loop:                                             ; preds = %exit4, %entry
  %i = phi i64 [ 0, %entry ], [ %186, %exit4 ]
  br i1 true, label %loop3, label %exit4

exit:                                             ; preds = %exit4, %entry
  ret i32 0

loop3:                                            ; preds = %loop3, %loop
  %i5 = phi i64 [ 0, %loop ], [ %184, %loop3 ]
  %10 = mul i64 %i, 16
  %11 = add i64 0, %10
  %12 = mul i64 %i5, 1
  %13 = add i64 %11, %12
  %14 = getelementptr inbounds float, ptr %buf2, i64 %13
  %15 = load <8 x float>, ptr %14, align 1
  %16 = fmul <8 x float> %15, splat (float 0x3FE6A09E60000000)
  %17 = fmul <8 x float> %16, %16
  %18 = fmul <8 x float> splat (float 0xBF48D30180000000), %17
  %19 = fadd <8 x float> %18, splat (float 0x3F72F684C0000000)
  %20 = fmul <8 x float> %19, %17
  %21 = fadd <8 x float> %20, splat (float 0xBF98618620000000)
  %22 = fmul <8 x float> %21, %17
  %23 = fadd <8 x float> %22, splat (float 0x3FB99999A0000000)
  %24 = fmul <8 x float> %23, %17
  %25 = fadd <8 x float> %24, splat (float 0xBFD5555560000000)
  %26 = fmul <8 x float> %25, %17
  %27 = fadd <8 x float> %26, splat (float 1.000000e+00)
  %28 = fmul <8 x float> %27, %16
  %29 = fmul <8 x float> %28, splat (float 0x3FF20DD760000000)
  %30 = call <8 x float> @llvm.fabs.v8f32(<8 x float> %16)
  %31 = fmul <8 x float> splat (float 5.000000e-01), %30
  %32 = fadd <8 x float> splat (float 1.000000e+00), %31
  %33 = fdiv <8 x float> splat (float 1.000000e+00), %32
  %34 = fmul <8 x float> splat (float 0x3FC5DF28A0000000), %33
  %35 = fadd <8 x float> %34, splat (float 0xBFEA4F1240000000)
  %36 = fmul <8 x float> %35, %33
  %37 = fadd <8 x float> %36, splat (float 0x3FF7D0F600000000)
  %38 = fmul <8 x float> %37, %33
  %39 = fadd <8 x float> %38, splat (float 0xBFF229CBA0000000)
  %40 = fmul <8 x float> %39, %33
  %41 = fadd <8 x float> %40, splat (float 0x3FD1D8F980000000)
  %42 = fmul <8 x float> %41, %33
  %43 = fadd <8 x float> %42, splat (float 0xBFC7D84980000000)
  %44 = fmul <8 x float> %43, %33
  %45 = fadd <8 x float> %44, splat (float 0x3FB8C6D920000000)
  %46 = fmul <8 x float> %45, %33
  %47 = fadd <8 x float> %46, splat (float 0x3FD7F11F60000000)
  %48 = fmul <8 x float> %47, %33
  %49 = fadd <8 x float> %48, splat (float 0x3FF00018E0000000)
  %50 = fmul <8 x float> %49, %33
  %51 = fadd <8 x float> %50, splat (float 0xBFF43F89C0000000)
  %52 = fmul <8 x float> %30, %30
  %53 = fsub <8 x float> %51, %52
  %54 = fcmp olt <8 x float> %53, splat (float -1.040000e+02)
  %55 = select <8 x i1> %54, <8 x float> splat (float -1.040000e+02), <8 x float> %53
  %56 = fcmp ogt <8 x float> %55, splat (float 0x4056333340000000)
  %57 = select <8 x i1> %56, <8 x float> splat (float 0x4056333340000000), <8 x float> %55
  %58 = fmul <8 x float> %57, splat (float 0x3FF7154760000000)
  %59 = call <8 x float> @llvm.roundeven.v8f32(<8 x float> %58)
  %60 = call <8 x float> @llvm.fma.v8f32(<8 x float> %59, <8 x float> splat (float 0xBFE6300000000000), <8 x float> %57)
  %61 = call <8 x float> @llvm.fma.v8f32(<8 x float> %59, <8 x float> splat (float 0x3F2BD01060000000), <8 x float> %60)
  %62 = call <8 x float> @llvm.fma.v8f32(<8 x float> splat (float 0x3F2A01A020000000), <8 x float> %61, <8 x float> splat (float 0x3F56C16C20000000))
  %63 = call <8 x float> @llvm.fma.v8f32(<8 x float> %62, <8 x float> %61, <8 x float> splat (float 0x3F81111120000000))
  %64 = call <8 x float> @llvm.fma.v8f32(<8 x float> %63, <8 x float> %61, <8 x float> splat (float 0x3FA5555560000000))
  %65 = call <8 x float> @llvm.fma.v8f32(<8 x float> %64, <8 x float> %61, <8 x float> splat (float 0x3FC5555560000000))
  %66 = call <8 x float> @llvm.fma.v8f32(<8 x float> %65, <8 x float> %61, <8 x float> splat (float 5.000000e-01))
  %67 = call <8 x float> @llvm.fma.v8f32(<8 x float> %66, <8 x float> %61, <8 x float> splat (float 1.000000e+00))
  %68 = call <8 x float> @llvm.fma.v8f32(<8 x float> %67, <8 x float> %61, <8 x float> splat (float 1.000000e+00))
  %69 = fptosi <8 x float> %59 to <8 x i32>
  %70 = fcmp uno <8 x float> %53, %53
  %71 = select <8 x i1> %70, <8 x i32> zeroinitializer, <8 x i32> %69
  %72 = ashr <8 x i32> %71, splat (i32 1)
  %73 = sub <8 x i32> %71, %72
  %74 = add <8 x i32> %72, splat (i32 127)
  %75 = shl <8 x i32> %74, splat (i32 23)
  %76 = bitcast <8 x i32> %75 to <8 x float>
  %77 = fmul <8 x float> %68, %76
  %78 = add <8 x i32> %73, splat (i32 127)
  %79 = shl <8 x i32> %78, splat (i32 23)
  %80 = bitcast <8 x i32> %79 to <8 x float>
  %81 = fmul <8 x float> %77, %80
  %82 = select <8 x i1> %70, <8 x float> %53, <8 x float> %81
  %83 = fmul <8 x float> %33, %82
  %84 = fsub <8 x float> splat (float 1.000000e+00), %83
  %85 = call <8 x float> @llvm.copysign.v8f32(<8 x float> %84, <8 x float> %16)
  %86 = fcmp olt <8 x float> %30, splat (float 5.000000e-01)
  %87 = select <8 x i1> %86, <8 x float> %29, <8 x float> %85
  %88 = fmul <8 x float> splat (float 5.000000e-01), %15
  %89 = fadd <8 x float> splat (float 1.000000e+00), %87
  %90 = fmul <8 x float> %88, %89
  %91 = mul i64 %i, 16
  %92 = add i64 0, %91
  %93 = mul i64 %i5, 1
  %94 = add i64 %92, %93
  %95 = getelementptr inbounds float, ptr %buf2, i64 %94
  store <8 x float> %90, ptr %95, align 1
  %96 = mul i64 %i5, 1
  %97 = add i64 8, %96
  %98 = mul i64 %i, 16
  %99 = add i64 0, %98
  %100 = mul i64 %97, 1
  %101 = add i64 %99, %100
  %102 = getelementptr inbounds float, ptr %buf2, i64 %101
  %103 = load <8 x float>, ptr %102, align 1
  %104 = fmul <8 x float> %103, splat (float 0x3FE6A09E60000000)
  %105 = fmul <8 x float> %104, %104
  %106 = fmul <8 x float> splat (float 0xBF48D30180000000), %105
  %107 = fadd <8 x float> %106, splat (float 0x3F72F684C0000000)
  %108 = fmul <8 x float> %107, %105
  %109 = fadd <8 x float> %108, splat (float 0xBF98618620000000)
  %110 = fmul <8 x float> %109, %105
  %111 = fadd <8 x float> %110, splat (float 0x3FB99999A0000000)
  %112 = fmul <8 x float> %111, %105
  %113 = fadd <8 x float> %112, splat (float 0xBFD5555560000000)
  %114 = fmul <8 x float> %113, %105
  %115 = fadd <8 x float> %114, splat (float 1.000000e+00)
  %116 = fmul <8 x float> %115, %104
  %117 = fmul <8 x float> %116, splat (float 0x3FF20DD760000000)
  %118 = call <8 x float> @llvm.fabs.v8f32(<8 x float> %104)
  %119 = fmul <8 x float> splat (float 5.000000e-01), %118
  %120 = fadd <8 x float> splat (float 1.000000e+00), %119
  %121 = fdiv <8 x float> splat (float 1.000000e+00), %120
  %122 = fmul <8 x float> splat (float 0x3FC5DF28A0000000), %121
  %123 = fadd <8 x float> %122, splat (float 0xBFEA4F1240000000)
  %124 = fmul <8 x float> %123, %121
  %125 = fadd <8 x float> %124, splat (float 0x3FF7D0F600000000)
  %126 = fmul <8 x float> %125, %121
  %127 = fadd <8 x float> %126, splat (float 0xBFF229CBA0000000)
  %128 = fmul <8 x float> %127, %121
  %129 = fadd <8 x float> %128, splat (float 0x3FD1D8F980000000)
  %130 = fmul <8 x float> %129, %121
  %131 = fadd <8 x float> %130, splat (float 0xBFC7D84980000000)
  %132 = fmul <8 x float> %131, %121
  %133 = fadd <8 x float> %132, splat (float 0x3FB8C6D920000000)
  %134 = fmul <8 x float> %133, %121
  %135 = fadd <8 x float> %134, splat (float 0x3FD7F11F60000000)
  %136 = fmul <8 x float> %135, %121
  %137 = fadd <8 x float> %136, splat (float 0x3FF00018E0000000)
  %138 = fmul <8 x float> %137, %121
  %139 = fadd <8 x float> %138, splat (float 0xBFF43F89C0000000)
  %140 = fmul <8 x float> %118, %118
  %141 = fsub <8 x float> %139, %140
  %142 = fcmp olt <8 x float> %141, splat (float -1.040000e+02)
  %143 = select <8 x i1> %142, <8 x float> splat (float -1.040000e+02), <8 x float> %141
  %144 = fcmp ogt <8 x float> %143, splat (float 0x4056333340000000)
  %145 = select <8 x i1> %144, <8 x float> splat (float 0x4056333340000000), <8 x float> %143
  %146 = fmul <8 x float> %145, splat (float 0x3FF7154760000000)
  %147 = call <8 x float> @llvm.roundeven.v8f32(<8 x float> %146)
  %148 = call <8 x float> @llvm.fma.v8f32(<8 x float> %147, <8 x float> splat (float 0xBFE6300000000000), <8 x float> %145)
  %149 = call <8 x float> @llvm.fma.v8f32(<8 x float> %147, <8 x float> splat (float 0x3F2BD01060000000), <8 x float> %148)
  %150 = call <8 x float> @llvm.fma.v8f32(<8 x float> splat (float 0x3F2A01A020000000), <8 x float> %149, <8 x float> splat (float 0x3F56C16C20000000))
  %151 = call <8 x float> @llvm.fma.v8f32(<8 x float> %150, <8 x float> %149, <8 x float> splat (float 0x3F81111120000000))
  %152 = call <8 x float> @llvm.fma.v8f32(<8 x float> %151, <8 x float> %149, <8 x float> splat (float 0x3FA5555560000000))
  %153 = call <8 x float> @llvm.fma.v8f32(<8 x float> %152, <8 x float> %149, <8 x float> splat (float 0x3FC5555560000000))
  %154 = call <8 x float> @llvm.fma.v8f32(<8 x float> %153, <8 x float> %149, <8 x float> splat (float 5.000000e-01))
  %155 = call <8 x float> @llvm.fma.v8f32(<8 x float> %154, <8 x float> %149, <8 x float> splat (float 1.000000e+00))
  %156 = call <8 x float> @llvm.fma.v8f32(<8 x float> %155, <8 x float> %149, <8 x float> splat (float 1.000000e+00))
  %157 = fptosi <8 x float> %147 to <8 x i32>
  %158 = fcmp uno <8 x float> %141, %141
  %159 = select <8 x i1> %158, <8 x i32> zeroinitializer, <8 x i32> %157
  %160 = ashr <8 x i32> %159, splat (i32 1)
  %161 = sub <8 x i32> %159, %160
  %162 = add <8 x i32> %160, splat (i32 127)
  %163 = shl <8 x i32> %162, splat (i32 23)
  %164 = bitcast <8 x i32> %163 to <8 x float>
  %165 = fmul <8 x float> %156, %164
  %166 = add <8 x i32> %161, splat (i32 127)
  %167 = shl <8 x i32> %166, splat (i32 23)
  %168 = bitcast <8 x i32> %167 to <8 x float>
  %169 = fmul <8 x float> %165, %168
  %170 = select <8 x i1> %158, <8 x float> %141, <8 x float> %169
  %171 = fmul <8 x float> %121, %170
  %172 = fsub <8 x float> splat (float 1.000000e+00), %171
  %173 = call <8 x float> @llvm.copysign.v8f32(<8 x float> %172, <8 x float> %104)
  %174 = fcmp olt <8 x float> %118, splat (float 5.000000e-01)
  %175 = select <8 x i1> %174, <8 x float> %117, <8 x float> %173
  %176 = fmul <8 x float> splat (float 5.000000e-01), %103
  %177 = fadd <8 x float> splat (float 1.000000e+00), %175
  %178 = fmul <8 x float> %176, %177
  %179 = mul i64 %i, 16
  %180 = add i64 0, %179
  %181 = mul i64 %97, 1
  %182 = add i64 %180, %181
  %183 = getelementptr inbounds float, ptr %buf2, i64 %182
  store <8 x float> %178, ptr %183, align 1
  %184 = add i64 %i5, 16
  %185 = icmp slt i64 %184, 16
  br i1 %185, label %loop3, label %exit4

exit4:                                            ; preds = %loop3, %loop
  %186 = add i64 %i, 1
  %187 = icmp slt i64 %186, 8
  br i1 %187, label %loop, label %exit
}

define internal void @strata.ukernel.5x2x8(ptr %0, ptr %1, ptr %2, i64 %3, i64 %4, i64 %5, i64 %6, i64 %7, i64 %8, i64 %9) {
entry:
  %10 = icmp ne i64 %9, 0
  %11 = sub i64 %6, 0
  %12 = icmp slt i64 %11, 0
  %13 = select i1 %12, i64 0, i64 %11
  %14 = icmp slt i64 %13, 8
  %15 = select i1 %14, i64 %13, i64 8
  %16 = trunc i64 %15 to i32
  %17 = insertelement <8 x i32> undef, i32 %16, i64 0
  %18 = shufflevector <8 x i32> %17, <8 x i32> undef, <8 x i32> zeroinitializer
  %19 = icmp slt <8 x i32> <i32 0, i32 1, i32 2, i32 3, i32 4, i32 5, i32 6, i32 7>, %18
  %20 = sub i64 %6, 8
  %21 = icmp slt i64 %20, 0
  %22 = select i1 %21, i64 0, i64 %20
  %23 = icmp slt i64 %22, 8
  %24 = select i1 %23, i64 %22, i64 8
  %25 = trunc i64 %24 to i32
  %26 = insertelement <8 x i32> undef, i32 %25, i64 0
  %27 = shufflevector <8 x i32> %26, <8 x i32> undef, <8 x i32> zeroinitializer
  %28 = icmp slt <8 x i32> <i32 0, i32 1, i32 2, i32 3, i32 4, i32 5, i32 6, i32 7>, %27
  %29 = sub i64 %5, 1
  %30 = icmp slt i64 0, %29
  %31 = select i1 %30, i64 0, i64 %29
  %32 = mul i64 %31, %3
  %33 = getelementptr inbounds float, ptr %2, i64 %32
  %34 = icmp slt i64 1, %29
  %35 = select i1 %34, i64 1, i64 %29
  %36 = mul i64 %35, %3
  %37 = getelementptr inbounds float, ptr %2, i64 %36
  %38 = icmp slt i64 2, %29
  %39 = select i1 %38, i64 2, i64 %29
  %40 = mul i64 %39, %3
  %41 = getelementptr inbounds float, ptr %2, i64 %40
  %42 = icmp slt i64 3, %29
  %43 = select i1 %42, i64 3, i64 %29
  %44 = mul i64 %43, %3
  %45 = getelementptr inbounds float, ptr %2, i64 %44
  %46 = icmp slt i64 4, %29
  %47 = select i1 %46, i64 4, i64 %29
  %48 = mul i64 %47, %3
  %49 = getelementptr inbounds float, ptr %2, i64 %48
  %50 = icmp slt i64 0, %29
  %51 = select i1 %50, i64 0, i64 %29
  %52 = mul i64 %51, %7
  %53 = getelementptr inbounds float, ptr %0, i64 %52
  %54 = icmp slt i64 1, %29
  %55 = select i1 %54, i64 1, i64 %29
  %56 = mul i64 %55, %7
  %57 = getelementptr inbounds float, ptr %0, i64 %56
  %58 = icmp slt i64 2, %29
  %59 = select i1 %58, i64 2, i64 %29
  %60 = mul i64 %59, %7
  %61 = getelementptr inbounds float, ptr %0, i64 %60
  %62 = icmp slt i64 3, %29
  %63 = select i1 %62, i64 3, i64 %29
  %64 = mul i64 %63, %7
  %65 = getelementptr inbounds float, ptr %0, i64 %64
  %66 = icmp slt i64 4, %29
  %67 = select i1 %66, i64 4, i64 %29
  %68 = mul i64 %67, %7
  %69 = getelementptr inbounds float, ptr %0, i64 %68
  %70 = insertelement <8 x i1> undef, i1 %10, i64 0
  %71 = shufflevector <8 x i1> %70, <8 x i1> undef, <8 x i32> zeroinitializer
  %72 = getelementptr inbounds float, ptr %33, i64 0
  %73 = and <8 x i1> %19, %71
  %74 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %72, <8 x i1> %73, <8 x float> zeroinitializer)
  %75 = getelementptr inbounds float, ptr %33, i64 8
  %76 = and <8 x i1> %28, %71
  %77 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %75, <8 x i1> %76, <8 x float> zeroinitializer)
  %78 = getelementptr inbounds float, ptr %37, i64 0
  %79 = and <8 x i1> %19, %71
  %80 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %78, <8 x i1> %79, <8 x float> zeroinitializer)
  %81 = getelementptr inbounds float, ptr %37, i64 8
  %82 = and <8 x i1> %28, %71
  %83 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %81, <8 x i1> %82, <8 x float> zeroinitializer)
  %84 = getelementptr inbounds float, ptr %41, i64 0
  %85 = and <8 x i1> %19, %71
  %86 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %84, <8 x i1> %85, <8 x float> zeroinitializer)
  %87 = getelementptr inbounds float, ptr %41, i64 8
  %88 = and <8 x i1> %28, %71
  %89 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %87, <8 x i1> %88, <8 x float> zeroinitializer)
  %90 = getelementptr inbounds float, ptr %45, i64 0
  %91 = and <8 x i1> %19, %71
  %92 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %90, <8 x i1> %91, <8 x float> zeroinitializer)
  %93 = getelementptr inbounds float, ptr %45, i64 8
  %94 = and <8 x i1> %28, %71
  %95 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %93, <8 x i1> %94, <8 x float> zeroinitializer)
  %96 = getelementptr inbounds float, ptr %49, i64 0
  %97 = and <8 x i1> %19, %71
  %98 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %96, <8 x i1> %97, <8 x float> zeroinitializer)
  %99 = getelementptr inbounds float, ptr %49, i64 8
  %100 = and <8 x i1> %28, %71
  %101 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %99, <8 x i1> %100, <8 x float> zeroinitializer)
  br label %k

k:                                                ; preds = %k, %entry
  %kk = phi i64 [ 0, %entry ], [ %142, %k ]
  %acc = phi <8 x float> [ %74, %entry ], [ %116, %k ]
  %acc1 = phi <8 x float> [ %77, %entry ], [ %117, %k ]
  %acc2 = phi <8 x float> [ %80, %entry ], [ %122, %k ]
  %acc3 = phi <8 x float> [ %83, %entry ], [ %123, %k ]
  %acc4 = phi <8 x float> [ %86, %entry ], [ %128, %k ]
  %acc5 = phi <8 x float> [ %89, %entry ], [ %129, %k ]
  %acc6 = phi <8 x float> [ %92, %entry ], [ %134, %k ]
  %acc7 = phi <8 x float> [ %95, %entry ], [ %135, %k ]
  %acc8 = phi <8 x float> [ %98, %entry ], [ %140, %k ]
  %acc9 = phi <8 x float> [ %101, %entry ], [ %141, %k ]
  %102 = mul i64 %kk, %8
  %103 = mul i64 %kk, 16
  %104 = getelementptr inbounds float, ptr %1, i64 %103
  %105 = getelementptr inbounds float, ptr %104, i64 0
  %106 = load <8 x float>, ptr %105, align 32
  %107 = getelementptr inbounds float, ptr %104, i64 8
  %108 = load <8 x float>, ptr %107, align 32
  %109 = add i64 %kk, 64
  %110 = mul i64 %109, %8
  %111 = getelementptr float, ptr %53, i64 %110
  call void @llvm.prefetch.p0(ptr %111, i32 0, i32 3, i32 1)
  %112 = getelementptr inbounds float, ptr %53, i64 %102
  %113 = load float, ptr %112, align 4
  %114 = insertelement <8 x float> undef, float %113, i64 0
  %115 = shufflevector <8 x float> %114, <8 x float> undef, <8 x i32> zeroinitializer
  %116 = call <8 x float> @llvm.fma.v8f32(<8 x float> %115, <8 x float> %106, <8 x float> %acc)
  %117 = call <8 x float> @llvm.fma.v8f32(<8 x float> %115, <8 x float> %108, <8 x float> %acc1)
  %118 = getelementptr inbounds float, ptr %57, i64 %102
  %119 = load float, ptr %118, align 4
  %120 = insertelement <8 x float> undef, float %119, i64 0
  %121 = shufflevector <8 x float> %120, <8 x float> undef, <8 x i32> zeroinitializer
  %122 = call <8 x float> @llvm.fma.v8f32(<8 x float> %121, <8 x float> %106, <8 x float> %acc2)
  %123 = call <8 x float> @llvm.fma.v8f32(<8 x float> %121, <8 x float> %108, <8 x float> %acc3)
  %124 = getelementptr inbounds float, ptr %61, i64 %102
  %125 = load float, ptr %124, align 4
  %126 = insertelement <8 x float> undef, float %125, i64 0
  %127 = shufflevector <8 x float> %126, <8 x float> undef, <8 x i32> zeroinitializer
  %128 = call <8 x float> @llvm.fma.v8f32(<8 x float> %127, <8 x float> %106, <8 x float> %acc4)
  %129 = call <8 x float> @llvm.fma.v8f32(<8 x float> %127, <8 x float> %108, <8 x float> %acc5)
  %130 = getelementptr inbounds float, ptr %65, i64 %102
  %131 = load float, ptr %130, align 4
  %132 = insertelement <8 x float> undef, float %131, i64 0
  %133 = shufflevector <8 x float> %132, <8 x float> undef, <8 x i32> zeroinitializer
  %134 = call <8 x float> @llvm.fma.v8f32(<8 x float> %133, <8 x float> %106, <8 x float> %acc6)
  %135 = call <8 x float> @llvm.fma.v8f32(<8 x float> %133, <8 x float> %108, <8 x float> %acc7)
  %136 = getelementptr inbounds float, ptr %69, i64 %102
  %137 = load float, ptr %136, align 4
  %138 = insertelement <8 x float> undef, float %137, i64 0
  %139 = shufflevector <8 x float> %138, <8 x float> undef, <8 x i32> zeroinitializer
  %140 = call <8 x float> @llvm.fma.v8f32(<8 x float> %139, <8 x float> %106, <8 x float> %acc8)
  %141 = call <8 x float> @llvm.fma.v8f32(<8 x float> %139, <8 x float> %108, <8 x float> %acc9)
  %142 = add i64 %kk, 1
  %143 = icmp slt i64 %142, %4
  br i1 %143, label %k, label %store

store:                                            ; preds = %k
  %144 = getelementptr inbounds float, ptr %33, i64 0
  call void @llvm.masked.store.v8f32.p0(<8 x float> %116, ptr %144, <8 x i1> %19)
  %145 = getelementptr inbounds float, ptr %33, i64 8
  call void @llvm.masked.store.v8f32.p0(<8 x float> %117, ptr %145, <8 x i1> %28)
  %146 = icmp slt i64 1, %5
  br i1 %146, label %row, label %next_row

row:                                              ; preds = %store
  %147 = getelementptr inbounds float, ptr %37, i64 0
  call void @llvm.masked.store.v8f32.p0(<8 x float> %122, ptr %147, <8 x i1> %19)
  %148 = getelementptr inbounds float, ptr %37, i64 8
  call void @llvm.masked.store.v8f32.p0(<8 x float> %123, ptr %148, <8 x i1> %28)
  br label %next_row

next_row:                                         ; preds = %row, %store
  %149 = icmp slt i64 2, %5
  br i1 %149, label %row10, label %next_row11

row10:                                            ; preds = %next_row
  %150 = getelementptr inbounds float, ptr %41, i64 0
  call void @llvm.masked.store.v8f32.p0(<8 x float> %128, ptr %150, <8 x i1> %19)
  %151 = getelementptr inbounds float, ptr %41, i64 8
  call void @llvm.masked.store.v8f32.p0(<8 x float> %129, ptr %151, <8 x i1> %28)
  br label %next_row11

next_row11:                                       ; preds = %row10, %next_row
  %152 = icmp slt i64 3, %5
  br i1 %152, label %row12, label %next_row13

row12:                                            ; preds = %next_row11
  %153 = getelementptr inbounds float, ptr %45, i64 0
  call void @llvm.masked.store.v8f32.p0(<8 x float> %134, ptr %153, <8 x i1> %19)
  %154 = getelementptr inbounds float, ptr %45, i64 8
  call void @llvm.masked.store.v8f32.p0(<8 x float> %135, ptr %154, <8 x i1> %28)
  br label %next_row13

next_row13:                                       ; preds = %row12, %next_row11
  %155 = icmp slt i64 4, %5
  br i1 %155, label %row14, label %next_row15

row14:                                            ; preds = %next_row13
  %156 = getelementptr inbounds float, ptr %49, i64 0
  call void @llvm.masked.store.v8f32.p0(<8 x float> %140, ptr %156, <8 x i1> %19)
  %157 = getelementptr inbounds float, ptr %49, i64 8
  call void @llvm.masked.store.v8f32.p0(<8 x float> %141, ptr %157, <8 x i1> %28)
  br label %next_row15

next_row15:                                       ; preds = %row14, %next_row13
  ret void
}

; Function Attrs: nocallback nofree nosync nounwind willreturn memory(argmem: read)
declare <8 x float> @llvm.masked.load.v8f32.p0(ptr captures(none), <8 x i1>, <8 x float>) #0

; Function Attrs: nocallback nofree nosync nounwind willreturn memory(argmem: readwrite, inaccessiblemem: readwrite)
declare void @llvm.prefetch.p0(ptr readonly captures(none), i32 immarg, i32 immarg, i32 immarg) #1

; Function Attrs: nocallback nocreateundeforpoison nofree nosync nounwind speculatable willreturn memory(none)
declare <8 x float> @llvm.fma.v8f32(<8 x float>, <8 x float>, <8 x float>) #2

; Function Attrs: nocallback nofree nosync nounwind willreturn memory(argmem: write)
declare void @llvm.masked.store.v8f32.p0(<8 x float>, ptr captures(none), <8 x i1>) #3

define internal void @strata.gemm.5x2x8(ptr %0, i64 %1, i64 %2, ptr %3, i64 %4, i64 %5, ptr %6, i64 %7, i64 %8, i64 %9, i64 %10, i64 %11) {
entry:
  %12 = icmp eq i64 %2, 1
  %packed_b = alloca float, i64 65536, align 64
  %packed_a = alloca float, i64 64000, align 64
  %13 = add i64 %10, 511
  %14 = udiv i64 %13, 512
  %15 = sub i64 %14, 1
  %16 = add i64 %10, %15
  %17 = udiv i64 %16, %14
  %18 = icmp slt i64 0, %8
  br i1 %18, label %loop, label %exit

loop:                                             ; preds = %exit2, %entry
  %i = phi i64 [ 0, %entry ], [ %27, %exit2 ]
  %19 = sub i64 %8, %i
  %20 = icmp slt i64 125, %19
  %21 = select i1 %20, i64 125, i64 %19
  %22 = icmp slt i64 0, %10
  br i1 %22, label %loop1, label %exit2

exit:                                             ; preds = %exit2, %entry
  ret void

loop1:                                            ; preds = %exit12, %loop
  %i3 = phi i64 [ 0, %loop ], [ %109, %exit12 ]
  %23 = sub i64 %10, %i3
  %24 = icmp slt i64 %17, %23
  %25 = select i1 %24, i64 %17, i64 %23
  %26 = or i64 %11, %i3
  br i1 %12, label %packed_a4, label %pack_a

exit2:                                            ; preds = %exit12, %loop
  %27 = add i64 %i, 125
  %28 = icmp slt i64 %27, %8
  br i1 %28, label %loop, label %exit

pack_a:                                           ; preds = %loop1
  %29 = icmp slt i64 0, %21
  br i1 %29, label %loop5, label %exit6

packed_a4:                                        ; preds = %exit6, %loop1
  %30 = icmp slt i64 0, %9
  br i1 %30, label %loop11, label %exit12

loop5:                                            ; preds = %exit9, %pack_a
  %i7 = phi i64 [ 0, %pack_a ], [ %103, %exit9 ]
  %31 = add i64 %i, %i7
  %32 = sub i64 %8, %31
  %33 = icmp slt i64 5, %32
  %34 = select i1 %33, i64 5, i64 %32
  %35 = mul i64 %i7, %25
  %36 = getelementptr inbounds float, ptr %packed_a, i64 %35
  %37 = sub i64 %34, 1
  %38 = icmp slt i64 0, %37
  %39 = select i1 %38, i64 0, i64 %37
  %40 = add i64 %31, %39
  %41 = mul i64 %40, %1
  %42 = getelementptr inbounds float, ptr %0, i64 %41
  %43 = icmp slt i64 1, %37
  %44 = select i1 %43, i64 1, i64 %37
  %45 = add i64 %31, %44
  %46 = mul i64 %45, %1
  %47 = getelementptr inbounds float, ptr %0, i64 %46
  %48 = icmp slt i64 2, %37
  %49 = select i1 %48, i64 2, i64 %37
  %50 = add i64 %31, %49
  %51 = mul i64 %50, %1
  %52 = getelementptr inbounds float, ptr %0, i64 %51
  %53 = icmp slt i64 3, %37
  %54 = select i1 %53, i64 3, i64 %37
  %55 = add i64 %31, %54
  %56 = mul i64 %55, %1
  %57 = getelementptr inbounds float, ptr %0, i64 %56
  %58 = icmp slt i64 4, %37
  %59 = select i1 %58, i64 4, i64 %37
  %60 = add i64 %31, %59
  %61 = mul i64 %60, %1
  %62 = getelementptr inbounds float, ptr %0, i64 %61
  %63 = icmp slt i64 0, %25
  br i1 %63, label %loop8, label %exit9

exit6:                                            ; preds = %exit9, %pack_a
  br label %packed_a4

loop8:                                            ; preds = %loop8, %loop5
  %i10 = phi i64 [ 0, %loop5 ], [ %101, %loop8 ]
  %64 = add i64 %i3, %i10
  %65 = mul i64 %64, %2
  %66 = getelementptr inbounds float, ptr %42, i64 %65
  %67 = load float, ptr %66, align 4
  %68 = icmp slt i64 0, %34
  %69 = select i1 %68, float %67, float 0.000000e+00
  %70 = mul i64 %i10, 5
  %71 = add i64 %70, 0
  %72 = getelementptr inbounds float, ptr %36, i64 %71
  store float %69, ptr %72, align 4
  %73 = getelementptr inbounds float, ptr %47, i64 %65
  %74 = load float, ptr %73, align 4
  %75 = icmp slt i64 1, %34
  %76 = select i1 %75, float %74, float 0.000000e+00
  %77 = mul i64 %i10, 5
  %78 = add i64 %77, 1
  %79 = getelementptr inbounds float, ptr %36, i64 %78
  store float %76, ptr %79, align 4
  %80 = getelementptr inbounds float, ptr %52, i64 %65
  %81 = load float, ptr %80, align 4
  %82 = icmp slt i64 2, %34
  %83 = select i1 %82, float %81, float 0.000000e+00
  %84 = mul i64 %i10, 5
  %85 = add i64 %84, 2
  %86 = getelementptr inbounds float, ptr %36, i64 %85
  store float %83, ptr %86, align 4
  %87 = getelementptr inbounds float, ptr %57, i64 %65
  %88 = load float, ptr %87, align 4
  %89 = icmp slt i64 3, %34
  %90 = select i1 %89, float %88, float 0.000000e+00
  %91 = mul i64 %i10, 5
  %92 = add i64 %91, 3
  %93 = getelementptr inbounds float, ptr %36, i64 %92
  store float %90, ptr %93, align 4
  %94 = getelementptr inbounds float, ptr %62, i64 %65
  %95 = load float, ptr %94, align 4
  %96 = icmp slt i64 4, %34
  %97 = select i1 %96, float %95, float 0.000000e+00
  %98 = mul i64 %i10, 5
  %99 = add i64 %98, 4
  %100 = getelementptr inbounds float, ptr %36, i64 %99
  store float %97, ptr %100, align 4
  %101 = add i64 %i10, 1
  %102 = icmp slt i64 %101, %25
  br i1 %102, label %loop8, label %exit9

exit9:                                            ; preds = %loop8, %loop5
  %103 = add i64 %i7, 5
  %104 = icmp slt i64 %103, %21
  br i1 %104, label %loop5, label %exit6

loop11:                                           ; preds = %exit30, %packed_a4
  %i13 = phi i64 [ 0, %packed_a4 ], [ %218, %exit30 ]
  %105 = sub i64 %9, %i13
  %106 = icmp slt i64 128, %105
  %107 = select i1 %106, i64 128, i64 %105
  %108 = icmp eq i64 %5, 1
  br i1 %108, label %pack_vector, label %pack_scalar

exit12:                                           ; preds = %exit30, %packed_a4
  %109 = add i64 %i3, %17
  %110 = icmp slt i64 %109, %10
  br i1 %110, label %loop1, label %exit2

pack_vector:                                      ; preds = %loop11
  %111 = icmp slt i64 0, %107
  br i1 %111, label %loop14, label %exit15

pack_scalar:                                      ; preds = %loop11
  %112 = icmp slt i64 0, %107
  br i1 %112, label %loop20, label %exit21

packed:                                           ; preds = %exit21, %exit15
  %113 = icmp slt i64 0, %21
  br i1 %113, label %loop29, label %exit30

loop14:                                           ; preds = %exit18, %pack_vector
  %i16 = phi i64 [ 0, %pack_vector ], [ %154, %exit18 ]
  %114 = sub i64 %107, %i16
  %115 = mul i64 %i16, %25
  %116 = getelementptr inbounds float, ptr %packed_b, i64 %115
  %117 = sub i64 %114, 0
  %118 = icmp slt i64 %117, 0
  %119 = select i1 %118, i64 0, i64 %117
  %120 = icmp slt i64 %119, 8
  %121 = select i1 %120, i64 %119, i64 8
  %122 = trunc i64 %121 to i32
  %123 = insertelement <8 x i32> undef, i32 %122, i64 0
  %124 = shufflevector <8 x i32> %123, <8 x i32> undef, <8 x i32> zeroinitializer
  %125 = icmp slt <8 x i32> <i32 0, i32 1, i32 2, i32 3, i32 4, i32 5, i32 6, i32 7>, %124
  %126 = sub i64 %114, 8
  %127 = icmp slt i64 %126, 0
  %128 = select i1 %127, i64 0, i64 %126
  %129 = icmp slt i64 %128, 8
  %130 = select i1 %129, i64 %128, i64 8
  %131 = trunc i64 %130 to i32
  %132 = insertelement <8 x i32> undef, i32 %131, i64 0
  %133 = shufflevector <8 x i32> %132, <8 x i32> undef, <8 x i32> zeroinitializer
  %134 = icmp slt <8 x i32> <i32 0, i32 1, i32 2, i32 3, i32 4, i32 5, i32 6, i32 7>, %133
  %135 = add i64 %i13, %i16
  %136 = icmp slt i64 %114, 16
  %137 = select i1 %136, i64 %114, i64 16
  %138 = sub i64 %137, 1
  %139 = icmp slt i64 0, %25
  br i1 %139, label %loop17, label %exit18

exit15:                                           ; preds = %exit18, %pack_vector
  br label %packed

loop17:                                           ; preds = %loop17, %loop14
  %i19 = phi i64 [ 0, %loop14 ], [ %152, %loop17 ]
  %140 = add i64 %i3, %i19
  %141 = mul i64 %140, %4
  %142 = mul i64 %i19, 16
  %143 = getelementptr inbounds float, ptr %116, i64 %142
  %144 = add i64 %141, %135
  %145 = getelementptr inbounds float, ptr %3, i64 %144
  %146 = getelementptr inbounds float, ptr %145, i64 0
  %147 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %146, <8 x i1> %125, <8 x float> zeroinitializer)
  %148 = getelementptr inbounds float, ptr %143, i64 0
  store <8 x float> %147, ptr %148, align 32
  %149 = getelementptr inbounds float, ptr %145, i64 8
  %150 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %149, <8 x i1> %134, <8 x float> zeroinitializer)
  %151 = getelementptr inbounds float, ptr %143, i64 8
  store <8 x float> %150, ptr %151, align 32
  %152 = add i64 %i19, 1
  %153 = icmp slt i64 %152, %25
  br i1 %153, label %loop17, label %exit18

exit18:                                           ; preds = %loop17, %loop14
  %154 = add i64 %i16, 16
  %155 = icmp slt i64 %154, %107
  br i1 %155, label %loop14, label %exit15

loop20:                                           ; preds = %exit24, %pack_scalar
  %i22 = phi i64 [ 0, %pack_scalar ], [ %186, %exit24 ]
  %156 = sub i64 %107, %i22
  %157 = mul i64 %i22, %25
  %158 = getelementptr inbounds float, ptr %packed_b, i64 %157
  %159 = sub i64 %156, 0
  %160 = icmp slt i64 %159, 0
  %161 = select i1 %160, i64 0, i64 %159
  %162 = icmp slt i64 %161, 8
  %163 = select i1 %162, i64 %161, i64 8
  %164 = trunc i64 %163 to i32
  %165 = insertelement <8 x i32> undef, i32 %164, i64 0
  %166 = shufflevector <8 x i32> %165, <8 x i32> undef, <8 x i32> zeroinitializer
  %167 = icmp slt <8 x i32> <i32 0, i32 1, i32 2, i32 3, i32 4, i32 5, i32 6, i32 7>, %166
  %168 = sub i64 %156, 8
  %169 = icmp slt i64 %168, 0
  %170 = select i1 %169, i64 0, i64 %168
  %171 = icmp slt i64 %170, 8
  %172 = select i1 %171, i64 %170, i64 8
  %173 = trunc i64 %172 to i32
  %174 = insertelement <8 x i32> undef, i32 %173, i64 0
  %175 = shufflevector <8 x i32> %174, <8 x i32> undef, <8 x i32> zeroinitializer
  %176 = icmp slt <8 x i32> <i32 0, i32 1, i32 2, i32 3, i32 4, i32 5, i32 6, i32 7>, %175
  %177 = add i64 %i13, %i22
  %178 = icmp slt i64 %156, 16
  %179 = select i1 %178, i64 %156, i64 16
  %180 = sub i64 %179, 1
  %181 = icmp slt i64 0, %25
  br i1 %181, label %loop23, label %exit24

exit21:                                           ; preds = %exit24, %pack_scalar
  br label %packed

loop23:                                           ; preds = %exit27, %loop20
  %i25 = phi i64 [ 0, %loop20 ], [ %200, %exit27 ]
  %182 = add i64 %i3, %i25
  %183 = mul i64 %182, %4
  %184 = mul i64 %i25, 16
  %185 = getelementptr inbounds float, ptr %158, i64 %184
  br i1 true, label %loop26, label %exit27

exit24:                                           ; preds = %exit27, %loop20
  %186 = add i64 %i22, 16
  %187 = icmp slt i64 %186, %107
  br i1 %187, label %loop20, label %exit21

loop26:                                           ; preds = %loop26, %loop23
  %i28 = phi i64 [ 0, %loop23 ], [ %198, %loop26 ]
  %188 = icmp slt i64 %i28, %180
  %189 = select i1 %188, i64 %i28, i64 %180
  %190 = add i64 %177, %189
  %191 = mul i64 %190, %5
  %192 = add i64 %183, %191
  %193 = getelementptr inbounds float, ptr %3, i64 %192
  %194 = load float, ptr %193, align 4
  %195 = icmp slt i64 %i28, %156
  %196 = select i1 %195, float %194, float 0.000000e+00
  %197 = getelementptr inbounds float, ptr %185, i64 %i28
  store float %196, ptr %197, align 4
  %198 = add i64 %i28, 1
  %199 = icmp slt i64 %198, 16
  br i1 %199, label %loop26, label %exit27

exit27:                                           ; preds = %loop26, %loop23
  %200 = add i64 %i25, 1
  %201 = icmp slt i64 %200, %25
  br i1 %201, label %loop23, label %exit24

loop29:                                           ; preds = %exit33, %packed
  %i31 = phi i64 [ 0, %packed ], [ %228, %exit33 ]
  %202 = add i64 %i, %i31
  %203 = sub i64 %8, %202
  %204 = icmp slt i64 5, %203
  %205 = select i1 %204, i64 5, i64 %203
  %206 = mul i64 %202, %1
  %207 = add i64 %206, %i3
  %208 = getelementptr inbounds float, ptr %0, i64 %207
  %209 = mul i64 %i31, %25
  %210 = getelementptr inbounds float, ptr %packed_a, i64 %209
  %211 = select i1 %12, ptr %208, ptr %210
  %212 = select i1 %12, i64 %1, i64 1
  %213 = select i1 %12, i64 1, i64 5
  %214 = mul i64 %202, %7
  %215 = add i64 %214, %i13
  %216 = getelementptr inbounds float, ptr %6, i64 %215
  %217 = icmp slt i64 0, %107
  br i1 %217, label %loop32, label %exit33

exit30:                                           ; preds = %exit33, %packed
  %218 = add i64 %i13, 128
  %219 = icmp slt i64 %218, %9
  br i1 %219, label %loop11, label %exit12

loop32:                                           ; preds = %loop32, %loop29
  %i34 = phi i64 [ 0, %loop29 ], [ %226, %loop32 ]
  %220 = sub i64 %107, %i34
  %221 = icmp slt i64 16, %220
  %222 = select i1 %221, i64 16, i64 %220
  %223 = mul i64 %i34, %25
  %224 = getelementptr inbounds float, ptr %packed_b, i64 %223
  %225 = getelementptr inbounds float, ptr %216, i64 %i34
  call void @strata.ukernel.5x2x8(ptr %211, ptr %224, ptr %225, i64 %7, i64 %25, i64 %205, i64 %222, i64 %212, i64 %213, i64 %26)
  %226 = add i64 %i34, 16
  %227 = icmp slt i64 %226, %107
  br i1 %227, label %loop32, label %exit33

exit33:                                           ; preds = %loop32, %loop29
  %228 = add i64 %i31, 5
  %229 = icmp slt i64 %228, %21
  br i1 %229, label %loop29, label %exit30
}

; Function Attrs: nocallback nocreateundeforpoison nofree nosync nounwind speculatable willreturn memory(none)
declare <8 x float> @llvm.fabs.v8f32(<8 x float>) #2

; Function Attrs: nocallback nocreateundeforpoison nofree nosync nounwind speculatable willreturn memory(none)
declare <8 x float> @llvm.roundeven.v8f32(<8 x float>) #2

; Function Attrs: nocallback nocreateundeforpoison nofree nosync nounwind speculatable willreturn memory(none)
declare <8 x float> @llvm.copysign.v8f32(<8 x float>, <8 x float>) #2

attributes #0 = { nocallback nofree nosync nounwind willreturn memory(argmem: read) }
attributes #1 = { nocallback nofree nosync nounwind willreturn memory(argmem: readwrite, inaccessiblemem: readwrite) }
attributes #2 = { nocallback nocreateundeforpoison nofree nosync nounwind speculatable willreturn memory(none) }
attributes #3 = { nocallback nofree nosync nounwind willreturn memory(argmem: write) }
