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
  call void @strata.gemm.6x2x8(ptr %7, i64 32, i64 1, ptr %8, i64 16, i64 1, ptr %9, i64 16, i64 8, i64 16, i64 32, i64 0)
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

define internal void @strata.ukernel.6x2x8(ptr %0, ptr %1, ptr %2, i64 %3, i64 %4, i64 %5, i64 %6, i64 %7, i64 %8, i64 %9) {
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
  %50 = icmp slt i64 5, %29
  %51 = select i1 %50, i64 5, i64 %29
  %52 = mul i64 %51, %3
  %53 = getelementptr inbounds float, ptr %2, i64 %52
  %54 = icmp slt i64 0, %29
  %55 = select i1 %54, i64 0, i64 %29
  %56 = mul i64 %55, %7
  %57 = getelementptr inbounds float, ptr %0, i64 %56
  %58 = icmp slt i64 1, %29
  %59 = select i1 %58, i64 1, i64 %29
  %60 = mul i64 %59, %7
  %61 = getelementptr inbounds float, ptr %0, i64 %60
  %62 = icmp slt i64 2, %29
  %63 = select i1 %62, i64 2, i64 %29
  %64 = mul i64 %63, %7
  %65 = getelementptr inbounds float, ptr %0, i64 %64
  %66 = icmp slt i64 3, %29
  %67 = select i1 %66, i64 3, i64 %29
  %68 = mul i64 %67, %7
  %69 = getelementptr inbounds float, ptr %0, i64 %68
  %70 = icmp slt i64 4, %29
  %71 = select i1 %70, i64 4, i64 %29
  %72 = mul i64 %71, %7
  %73 = getelementptr inbounds float, ptr %0, i64 %72
  %74 = icmp slt i64 5, %29
  %75 = select i1 %74, i64 5, i64 %29
  %76 = mul i64 %75, %7
  %77 = getelementptr inbounds float, ptr %0, i64 %76
  %78 = insertelement <8 x i1> undef, i1 %10, i64 0
  %79 = shufflevector <8 x i1> %78, <8 x i1> undef, <8 x i32> zeroinitializer
  %80 = getelementptr inbounds float, ptr %33, i64 0
  %81 = and <8 x i1> %19, %79
  %82 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %80, <8 x i1> %81, <8 x float> zeroinitializer)
  %83 = getelementptr inbounds float, ptr %33, i64 8
  %84 = and <8 x i1> %28, %79
  %85 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %83, <8 x i1> %84, <8 x float> zeroinitializer)
  %86 = getelementptr inbounds float, ptr %37, i64 0
  %87 = and <8 x i1> %19, %79
  %88 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %86, <8 x i1> %87, <8 x float> zeroinitializer)
  %89 = getelementptr inbounds float, ptr %37, i64 8
  %90 = and <8 x i1> %28, %79
  %91 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %89, <8 x i1> %90, <8 x float> zeroinitializer)
  %92 = getelementptr inbounds float, ptr %41, i64 0
  %93 = and <8 x i1> %19, %79
  %94 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %92, <8 x i1> %93, <8 x float> zeroinitializer)
  %95 = getelementptr inbounds float, ptr %41, i64 8
  %96 = and <8 x i1> %28, %79
  %97 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %95, <8 x i1> %96, <8 x float> zeroinitializer)
  %98 = getelementptr inbounds float, ptr %45, i64 0
  %99 = and <8 x i1> %19, %79
  %100 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %98, <8 x i1> %99, <8 x float> zeroinitializer)
  %101 = getelementptr inbounds float, ptr %45, i64 8
  %102 = and <8 x i1> %28, %79
  %103 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %101, <8 x i1> %102, <8 x float> zeroinitializer)
  %104 = getelementptr inbounds float, ptr %49, i64 0
  %105 = and <8 x i1> %19, %79
  %106 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %104, <8 x i1> %105, <8 x float> zeroinitializer)
  %107 = getelementptr inbounds float, ptr %49, i64 8
  %108 = and <8 x i1> %28, %79
  %109 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %107, <8 x i1> %108, <8 x float> zeroinitializer)
  %110 = getelementptr inbounds float, ptr %53, i64 0
  %111 = and <8 x i1> %19, %79
  %112 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %110, <8 x i1> %111, <8 x float> zeroinitializer)
  %113 = getelementptr inbounds float, ptr %53, i64 8
  %114 = and <8 x i1> %28, %79
  %115 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %113, <8 x i1> %114, <8 x float> zeroinitializer)
  br label %k

k:                                                ; preds = %k, %entry
  %kk = phi i64 [ 0, %entry ], [ %162, %k ]
  %acc = phi <8 x float> [ %82, %entry ], [ %130, %k ]
  %acc1 = phi <8 x float> [ %85, %entry ], [ %131, %k ]
  %acc2 = phi <8 x float> [ %88, %entry ], [ %136, %k ]
  %acc3 = phi <8 x float> [ %91, %entry ], [ %137, %k ]
  %acc4 = phi <8 x float> [ %94, %entry ], [ %142, %k ]
  %acc5 = phi <8 x float> [ %97, %entry ], [ %143, %k ]
  %acc6 = phi <8 x float> [ %100, %entry ], [ %148, %k ]
  %acc7 = phi <8 x float> [ %103, %entry ], [ %149, %k ]
  %acc8 = phi <8 x float> [ %106, %entry ], [ %154, %k ]
  %acc9 = phi <8 x float> [ %109, %entry ], [ %155, %k ]
  %acc10 = phi <8 x float> [ %112, %entry ], [ %160, %k ]
  %acc11 = phi <8 x float> [ %115, %entry ], [ %161, %k ]
  %116 = mul i64 %kk, %8
  %117 = mul i64 %kk, 16
  %118 = getelementptr inbounds float, ptr %1, i64 %117
  %119 = getelementptr inbounds float, ptr %118, i64 0
  %120 = load <8 x float>, ptr %119, align 32
  %121 = getelementptr inbounds float, ptr %118, i64 8
  %122 = load <8 x float>, ptr %121, align 32
  %123 = add i64 %kk, 64
  %124 = mul i64 %123, %8
  %125 = getelementptr float, ptr %57, i64 %124
  call void @llvm.prefetch.p0(ptr %125, i32 0, i32 3, i32 1)
  %126 = getelementptr inbounds float, ptr %57, i64 %116
  %127 = load float, ptr %126, align 4
  %128 = insertelement <8 x float> undef, float %127, i64 0
  %129 = shufflevector <8 x float> %128, <8 x float> undef, <8 x i32> zeroinitializer
  %130 = call <8 x float> @llvm.fma.v8f32(<8 x float> %129, <8 x float> %120, <8 x float> %acc)
  %131 = call <8 x float> @llvm.fma.v8f32(<8 x float> %129, <8 x float> %122, <8 x float> %acc1)
  %132 = getelementptr inbounds float, ptr %61, i64 %116
  %133 = load float, ptr %132, align 4
  %134 = insertelement <8 x float> undef, float %133, i64 0
  %135 = shufflevector <8 x float> %134, <8 x float> undef, <8 x i32> zeroinitializer
  %136 = call <8 x float> @llvm.fma.v8f32(<8 x float> %135, <8 x float> %120, <8 x float> %acc2)
  %137 = call <8 x float> @llvm.fma.v8f32(<8 x float> %135, <8 x float> %122, <8 x float> %acc3)
  %138 = getelementptr inbounds float, ptr %65, i64 %116
  %139 = load float, ptr %138, align 4
  %140 = insertelement <8 x float> undef, float %139, i64 0
  %141 = shufflevector <8 x float> %140, <8 x float> undef, <8 x i32> zeroinitializer
  %142 = call <8 x float> @llvm.fma.v8f32(<8 x float> %141, <8 x float> %120, <8 x float> %acc4)
  %143 = call <8 x float> @llvm.fma.v8f32(<8 x float> %141, <8 x float> %122, <8 x float> %acc5)
  %144 = getelementptr inbounds float, ptr %69, i64 %116
  %145 = load float, ptr %144, align 4
  %146 = insertelement <8 x float> undef, float %145, i64 0
  %147 = shufflevector <8 x float> %146, <8 x float> undef, <8 x i32> zeroinitializer
  %148 = call <8 x float> @llvm.fma.v8f32(<8 x float> %147, <8 x float> %120, <8 x float> %acc6)
  %149 = call <8 x float> @llvm.fma.v8f32(<8 x float> %147, <8 x float> %122, <8 x float> %acc7)
  %150 = getelementptr inbounds float, ptr %73, i64 %116
  %151 = load float, ptr %150, align 4
  %152 = insertelement <8 x float> undef, float %151, i64 0
  %153 = shufflevector <8 x float> %152, <8 x float> undef, <8 x i32> zeroinitializer
  %154 = call <8 x float> @llvm.fma.v8f32(<8 x float> %153, <8 x float> %120, <8 x float> %acc8)
  %155 = call <8 x float> @llvm.fma.v8f32(<8 x float> %153, <8 x float> %122, <8 x float> %acc9)
  %156 = getelementptr inbounds float, ptr %77, i64 %116
  %157 = load float, ptr %156, align 4
  %158 = insertelement <8 x float> undef, float %157, i64 0
  %159 = shufflevector <8 x float> %158, <8 x float> undef, <8 x i32> zeroinitializer
  %160 = call <8 x float> @llvm.fma.v8f32(<8 x float> %159, <8 x float> %120, <8 x float> %acc10)
  %161 = call <8 x float> @llvm.fma.v8f32(<8 x float> %159, <8 x float> %122, <8 x float> %acc11)
  %162 = add i64 %kk, 1
  %163 = icmp slt i64 %162, %4
  br i1 %163, label %k, label %store

store:                                            ; preds = %k
  %164 = getelementptr inbounds float, ptr %33, i64 0
  call void @llvm.masked.store.v8f32.p0(<8 x float> %130, ptr %164, <8 x i1> %19)
  %165 = getelementptr inbounds float, ptr %33, i64 8
  call void @llvm.masked.store.v8f32.p0(<8 x float> %131, ptr %165, <8 x i1> %28)
  %166 = icmp slt i64 1, %5
  br i1 %166, label %row, label %next_row

row:                                              ; preds = %store
  %167 = getelementptr inbounds float, ptr %37, i64 0
  call void @llvm.masked.store.v8f32.p0(<8 x float> %136, ptr %167, <8 x i1> %19)
  %168 = getelementptr inbounds float, ptr %37, i64 8
  call void @llvm.masked.store.v8f32.p0(<8 x float> %137, ptr %168, <8 x i1> %28)
  br label %next_row

next_row:                                         ; preds = %row, %store
  %169 = icmp slt i64 2, %5
  br i1 %169, label %row12, label %next_row13

row12:                                            ; preds = %next_row
  %170 = getelementptr inbounds float, ptr %41, i64 0
  call void @llvm.masked.store.v8f32.p0(<8 x float> %142, ptr %170, <8 x i1> %19)
  %171 = getelementptr inbounds float, ptr %41, i64 8
  call void @llvm.masked.store.v8f32.p0(<8 x float> %143, ptr %171, <8 x i1> %28)
  br label %next_row13

next_row13:                                       ; preds = %row12, %next_row
  %172 = icmp slt i64 3, %5
  br i1 %172, label %row14, label %next_row15

row14:                                            ; preds = %next_row13
  %173 = getelementptr inbounds float, ptr %45, i64 0
  call void @llvm.masked.store.v8f32.p0(<8 x float> %148, ptr %173, <8 x i1> %19)
  %174 = getelementptr inbounds float, ptr %45, i64 8
  call void @llvm.masked.store.v8f32.p0(<8 x float> %149, ptr %174, <8 x i1> %28)
  br label %next_row15

next_row15:                                       ; preds = %row14, %next_row13
  %175 = icmp slt i64 4, %5
  br i1 %175, label %row16, label %next_row17

row16:                                            ; preds = %next_row15
  %176 = getelementptr inbounds float, ptr %49, i64 0
  call void @llvm.masked.store.v8f32.p0(<8 x float> %154, ptr %176, <8 x i1> %19)
  %177 = getelementptr inbounds float, ptr %49, i64 8
  call void @llvm.masked.store.v8f32.p0(<8 x float> %155, ptr %177, <8 x i1> %28)
  br label %next_row17

next_row17:                                       ; preds = %row16, %next_row15
  %178 = icmp slt i64 5, %5
  br i1 %178, label %row18, label %next_row19

row18:                                            ; preds = %next_row17
  %179 = getelementptr inbounds float, ptr %53, i64 0
  call void @llvm.masked.store.v8f32.p0(<8 x float> %160, ptr %179, <8 x i1> %19)
  %180 = getelementptr inbounds float, ptr %53, i64 8
  call void @llvm.masked.store.v8f32.p0(<8 x float> %161, ptr %180, <8 x i1> %28)
  br label %next_row19

next_row19:                                       ; preds = %row18, %next_row17
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

define internal void @strata.gemm.6x2x8(ptr %0, i64 %1, i64 %2, ptr %3, i64 %4, i64 %5, ptr %6, i64 %7, i64 %8, i64 %9, i64 %10, i64 %11) {
entry:
  %12 = icmp eq i64 %2, 1
  %packed_b = alloca float, i64 65536, align 64
  %packed_a = alloca float, i64 64512, align 64
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
  %20 = icmp slt i64 126, %19
  %21 = select i1 %20, i64 126, i64 %19
  %22 = icmp slt i64 0, %10
  br i1 %22, label %loop1, label %exit2

exit:                                             ; preds = %exit2, %entry
  ret void

loop1:                                            ; preds = %exit12, %loop
  %i3 = phi i64 [ 0, %loop ], [ %121, %exit12 ]
  %23 = sub i64 %10, %i3
  %24 = icmp slt i64 %17, %23
  %25 = select i1 %24, i64 %17, i64 %23
  %26 = or i64 %11, %i3
  br i1 %12, label %packed_a4, label %pack_a

exit2:                                            ; preds = %exit12, %loop
  %27 = add i64 %i, 126
  %28 = icmp slt i64 %27, %8
  br i1 %28, label %loop, label %exit

pack_a:                                           ; preds = %loop1
  %29 = icmp slt i64 0, %21
  br i1 %29, label %loop5, label %exit6

packed_a4:                                        ; preds = %exit6, %loop1
  %30 = icmp slt i64 0, %9
  br i1 %30, label %loop11, label %exit12

loop5:                                            ; preds = %exit9, %pack_a
  %i7 = phi i64 [ 0, %pack_a ], [ %115, %exit9 ]
  %31 = add i64 %i, %i7
  %32 = sub i64 %8, %31
  %33 = icmp slt i64 6, %32
  %34 = select i1 %33, i64 6, i64 %32
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
  %63 = icmp slt i64 5, %37
  %64 = select i1 %63, i64 5, i64 %37
  %65 = add i64 %31, %64
  %66 = mul i64 %65, %1
  %67 = getelementptr inbounds float, ptr %0, i64 %66
  %68 = icmp slt i64 0, %25
  br i1 %68, label %loop8, label %exit9

exit6:                                            ; preds = %exit9, %pack_a
  br label %packed_a4

loop8:                                            ; preds = %loop8, %loop5
  %i10 = phi i64 [ 0, %loop5 ], [ %113, %loop8 ]
  %69 = add i64 %i3, %i10
  %70 = mul i64 %69, %2
  %71 = getelementptr inbounds float, ptr %42, i64 %70
  %72 = load float, ptr %71, align 4
  %73 = icmp slt i64 0, %34
  %74 = select i1 %73, float %72, float 0.000000e+00
  %75 = mul i64 %i10, 6
  %76 = add i64 %75, 0
  %77 = getelementptr inbounds float, ptr %36, i64 %76
  store float %74, ptr %77, align 4
  %78 = getelementptr inbounds float, ptr %47, i64 %70
  %79 = load float, ptr %78, align 4
  %80 = icmp slt i64 1, %34
  %81 = select i1 %80, float %79, float 0.000000e+00
  %82 = mul i64 %i10, 6
  %83 = add i64 %82, 1
  %84 = getelementptr inbounds float, ptr %36, i64 %83
  store float %81, ptr %84, align 4
  %85 = getelementptr inbounds float, ptr %52, i64 %70
  %86 = load float, ptr %85, align 4
  %87 = icmp slt i64 2, %34
  %88 = select i1 %87, float %86, float 0.000000e+00
  %89 = mul i64 %i10, 6
  %90 = add i64 %89, 2
  %91 = getelementptr inbounds float, ptr %36, i64 %90
  store float %88, ptr %91, align 4
  %92 = getelementptr inbounds float, ptr %57, i64 %70
  %93 = load float, ptr %92, align 4
  %94 = icmp slt i64 3, %34
  %95 = select i1 %94, float %93, float 0.000000e+00
  %96 = mul i64 %i10, 6
  %97 = add i64 %96, 3
  %98 = getelementptr inbounds float, ptr %36, i64 %97
  store float %95, ptr %98, align 4
  %99 = getelementptr inbounds float, ptr %62, i64 %70
  %100 = load float, ptr %99, align 4
  %101 = icmp slt i64 4, %34
  %102 = select i1 %101, float %100, float 0.000000e+00
  %103 = mul i64 %i10, 6
  %104 = add i64 %103, 4
  %105 = getelementptr inbounds float, ptr %36, i64 %104
  store float %102, ptr %105, align 4
  %106 = getelementptr inbounds float, ptr %67, i64 %70
  %107 = load float, ptr %106, align 4
  %108 = icmp slt i64 5, %34
  %109 = select i1 %108, float %107, float 0.000000e+00
  %110 = mul i64 %i10, 6
  %111 = add i64 %110, 5
  %112 = getelementptr inbounds float, ptr %36, i64 %111
  store float %109, ptr %112, align 4
  %113 = add i64 %i10, 1
  %114 = icmp slt i64 %113, %25
  br i1 %114, label %loop8, label %exit9

exit9:                                            ; preds = %loop8, %loop5
  %115 = add i64 %i7, 6
  %116 = icmp slt i64 %115, %21
  br i1 %116, label %loop5, label %exit6

loop11:                                           ; preds = %exit30, %packed_a4
  %i13 = phi i64 [ 0, %packed_a4 ], [ %230, %exit30 ]
  %117 = sub i64 %9, %i13
  %118 = icmp slt i64 128, %117
  %119 = select i1 %118, i64 128, i64 %117
  %120 = icmp eq i64 %5, 1
  br i1 %120, label %pack_vector, label %pack_scalar

exit12:                                           ; preds = %exit30, %packed_a4
  %121 = add i64 %i3, %17
  %122 = icmp slt i64 %121, %10
  br i1 %122, label %loop1, label %exit2

pack_vector:                                      ; preds = %loop11
  %123 = icmp slt i64 0, %119
  br i1 %123, label %loop14, label %exit15

pack_scalar:                                      ; preds = %loop11
  %124 = icmp slt i64 0, %119
  br i1 %124, label %loop20, label %exit21

packed:                                           ; preds = %exit21, %exit15
  %125 = icmp slt i64 0, %21
  br i1 %125, label %loop29, label %exit30

loop14:                                           ; preds = %exit18, %pack_vector
  %i16 = phi i64 [ 0, %pack_vector ], [ %166, %exit18 ]
  %126 = sub i64 %119, %i16
  %127 = mul i64 %i16, %25
  %128 = getelementptr inbounds float, ptr %packed_b, i64 %127
  %129 = sub i64 %126, 0
  %130 = icmp slt i64 %129, 0
  %131 = select i1 %130, i64 0, i64 %129
  %132 = icmp slt i64 %131, 8
  %133 = select i1 %132, i64 %131, i64 8
  %134 = trunc i64 %133 to i32
  %135 = insertelement <8 x i32> undef, i32 %134, i64 0
  %136 = shufflevector <8 x i32> %135, <8 x i32> undef, <8 x i32> zeroinitializer
  %137 = icmp slt <8 x i32> <i32 0, i32 1, i32 2, i32 3, i32 4, i32 5, i32 6, i32 7>, %136
  %138 = sub i64 %126, 8
  %139 = icmp slt i64 %138, 0
  %140 = select i1 %139, i64 0, i64 %138
  %141 = icmp slt i64 %140, 8
  %142 = select i1 %141, i64 %140, i64 8
  %143 = trunc i64 %142 to i32
  %144 = insertelement <8 x i32> undef, i32 %143, i64 0
  %145 = shufflevector <8 x i32> %144, <8 x i32> undef, <8 x i32> zeroinitializer
  %146 = icmp slt <8 x i32> <i32 0, i32 1, i32 2, i32 3, i32 4, i32 5, i32 6, i32 7>, %145
  %147 = add i64 %i13, %i16
  %148 = icmp slt i64 %126, 16
  %149 = select i1 %148, i64 %126, i64 16
  %150 = sub i64 %149, 1
  %151 = icmp slt i64 0, %25
  br i1 %151, label %loop17, label %exit18

exit15:                                           ; preds = %exit18, %pack_vector
  br label %packed

loop17:                                           ; preds = %loop17, %loop14
  %i19 = phi i64 [ 0, %loop14 ], [ %164, %loop17 ]
  %152 = add i64 %i3, %i19
  %153 = mul i64 %152, %4
  %154 = mul i64 %i19, 16
  %155 = getelementptr inbounds float, ptr %128, i64 %154
  %156 = add i64 %153, %147
  %157 = getelementptr inbounds float, ptr %3, i64 %156
  %158 = getelementptr inbounds float, ptr %157, i64 0
  %159 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %158, <8 x i1> %137, <8 x float> zeroinitializer)
  %160 = getelementptr inbounds float, ptr %155, i64 0
  store <8 x float> %159, ptr %160, align 32
  %161 = getelementptr inbounds float, ptr %157, i64 8
  %162 = call <8 x float> @llvm.masked.load.v8f32.p0(ptr %161, <8 x i1> %146, <8 x float> zeroinitializer)
  %163 = getelementptr inbounds float, ptr %155, i64 8
  store <8 x float> %162, ptr %163, align 32
  %164 = add i64 %i19, 1
  %165 = icmp slt i64 %164, %25
  br i1 %165, label %loop17, label %exit18

exit18:                                           ; preds = %loop17, %loop14
  %166 = add i64 %i16, 16
  %167 = icmp slt i64 %166, %119
  br i1 %167, label %loop14, label %exit15

loop20:                                           ; preds = %exit24, %pack_scalar
  %i22 = phi i64 [ 0, %pack_scalar ], [ %198, %exit24 ]
  %168 = sub i64 %119, %i22
  %169 = mul i64 %i22, %25
  %170 = getelementptr inbounds float, ptr %packed_b, i64 %169
  %171 = sub i64 %168, 0
  %172 = icmp slt i64 %171, 0
  %173 = select i1 %172, i64 0, i64 %171
  %174 = icmp slt i64 %173, 8
  %175 = select i1 %174, i64 %173, i64 8
  %176 = trunc i64 %175 to i32
  %177 = insertelement <8 x i32> undef, i32 %176, i64 0
  %178 = shufflevector <8 x i32> %177, <8 x i32> undef, <8 x i32> zeroinitializer
  %179 = icmp slt <8 x i32> <i32 0, i32 1, i32 2, i32 3, i32 4, i32 5, i32 6, i32 7>, %178
  %180 = sub i64 %168, 8
  %181 = icmp slt i64 %180, 0
  %182 = select i1 %181, i64 0, i64 %180
  %183 = icmp slt i64 %182, 8
  %184 = select i1 %183, i64 %182, i64 8
  %185 = trunc i64 %184 to i32
  %186 = insertelement <8 x i32> undef, i32 %185, i64 0
  %187 = shufflevector <8 x i32> %186, <8 x i32> undef, <8 x i32> zeroinitializer
  %188 = icmp slt <8 x i32> <i32 0, i32 1, i32 2, i32 3, i32 4, i32 5, i32 6, i32 7>, %187
  %189 = add i64 %i13, %i22
  %190 = icmp slt i64 %168, 16
  %191 = select i1 %190, i64 %168, i64 16
  %192 = sub i64 %191, 1
  %193 = icmp slt i64 0, %25
  br i1 %193, label %loop23, label %exit24

exit21:                                           ; preds = %exit24, %pack_scalar
  br label %packed

loop23:                                           ; preds = %exit27, %loop20
  %i25 = phi i64 [ 0, %loop20 ], [ %212, %exit27 ]
  %194 = add i64 %i3, %i25
  %195 = mul i64 %194, %4
  %196 = mul i64 %i25, 16
  %197 = getelementptr inbounds float, ptr %170, i64 %196
  br i1 true, label %loop26, label %exit27

exit24:                                           ; preds = %exit27, %loop20
  %198 = add i64 %i22, 16
  %199 = icmp slt i64 %198, %119
  br i1 %199, label %loop20, label %exit21

loop26:                                           ; preds = %loop26, %loop23
  %i28 = phi i64 [ 0, %loop23 ], [ %210, %loop26 ]
  %200 = icmp slt i64 %i28, %192
  %201 = select i1 %200, i64 %i28, i64 %192
  %202 = add i64 %189, %201
  %203 = mul i64 %202, %5
  %204 = add i64 %195, %203
  %205 = getelementptr inbounds float, ptr %3, i64 %204
  %206 = load float, ptr %205, align 4
  %207 = icmp slt i64 %i28, %168
  %208 = select i1 %207, float %206, float 0.000000e+00
  %209 = getelementptr inbounds float, ptr %197, i64 %i28
  store float %208, ptr %209, align 4
  %210 = add i64 %i28, 1
  %211 = icmp slt i64 %210, 16
  br i1 %211, label %loop26, label %exit27

exit27:                                           ; preds = %loop26, %loop23
  %212 = add i64 %i25, 1
  %213 = icmp slt i64 %212, %25
  br i1 %213, label %loop23, label %exit24

loop29:                                           ; preds = %exit33, %packed
  %i31 = phi i64 [ 0, %packed ], [ %240, %exit33 ]
  %214 = add i64 %i, %i31
  %215 = sub i64 %8, %214
  %216 = icmp slt i64 6, %215
  %217 = select i1 %216, i64 6, i64 %215
  %218 = mul i64 %214, %1
  %219 = add i64 %218, %i3
  %220 = getelementptr inbounds float, ptr %0, i64 %219
  %221 = mul i64 %i31, %25
  %222 = getelementptr inbounds float, ptr %packed_a, i64 %221
  %223 = select i1 %12, ptr %220, ptr %222
  %224 = select i1 %12, i64 %1, i64 1
  %225 = select i1 %12, i64 1, i64 6
  %226 = mul i64 %214, %7
  %227 = add i64 %226, %i13
  %228 = getelementptr inbounds float, ptr %6, i64 %227
  %229 = icmp slt i64 0, %119
  br i1 %229, label %loop32, label %exit33

exit30:                                           ; preds = %exit33, %packed
  %230 = add i64 %i13, 128
  %231 = icmp slt i64 %230, %9
  br i1 %231, label %loop11, label %exit12

loop32:                                           ; preds = %loop32, %loop29
  %i34 = phi i64 [ 0, %loop29 ], [ %238, %loop32 ]
  %232 = sub i64 %119, %i34
  %233 = icmp slt i64 16, %232
  %234 = select i1 %233, i64 16, i64 %232
  %235 = mul i64 %i34, %25
  %236 = getelementptr inbounds float, ptr %packed_b, i64 %235
  %237 = getelementptr inbounds float, ptr %228, i64 %i34
  call void @strata.ukernel.6x2x8(ptr %223, ptr %236, ptr %237, i64 %7, i64 %25, i64 %217, i64 %234, i64 %224, i64 %225, i64 %26)
  %238 = add i64 %i34, 16
  %239 = icmp slt i64 %238, %119
  br i1 %239, label %loop32, label %exit33

exit33:                                           ; preds = %loop32, %loop29
  %240 = add i64 %i31, 6
  %241 = icmp slt i64 %240, %21
  br i1 %241, label %loop29, label %exit30
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
