define i32 @main_k0(ptr %0, i64 %1, i64 %2, i64 %3) {
entry:
  %4 = getelementptr inbounds ptr, ptr %0, i64 0
  %buf = load ptr, ptr %4, align 8
  %5 = getelementptr inbounds ptr, ptr %0, i64 1
  %buf1 = load ptr, ptr %5, align 8
  %6 = getelementptr inbounds ptr, ptr %0, i64 2
  %buf2 = load ptr, ptr %6, align 8
  %7 = mul i64 %2, 1
  %wg = add i64 %7, 0
  %8 = mul i64 %1, 1
  %wg3 = add i64 %8, 0
  br i1 true, label %loop, label %exit

loop:                                             ; preds = %exit5, %entry
  %i = phi i64 [ 0, %entry ], [ %24, %exit5 ]
  br i1 true, label %loop4, label %exit5

exit:                                             ; preds = %exit5, %entry
  br i1 true, label %loop7, label %exit8

loop4:                                            ; preds = %loop4, %loop
  %i6 = phi i64 [ 0, %loop ], [ %22, %loop4 ]
  %9 = mul i64 %wg, 1
  %10 = add i64 0, %9
  %11 = mul i64 %i, 1
  %12 = add i64 %10, %11
  %13 = mul i64 %wg3, 8
  %14 = add i64 0, %13
  %15 = mul i64 %i6, 1
  %16 = add i64 %14, %15
  %17 = mul i64 %12, 16
  %18 = add i64 0, %17
  %19 = mul i64 %16, 1
  %20 = add i64 %18, %19
  %21 = getelementptr inbounds float, ptr %buf2, i64 %20
  store <8 x float> zeroinitializer, ptr %21, align 1
  %22 = add i64 %i6, 8
  %23 = icmp slt i64 %22, 8
  br i1 %23, label %loop4, label %exit5

exit5:                                            ; preds = %loop4, %loop
  %24 = add i64 %i, 1
  %25 = icmp slt i64 %24, 1
  br i1 %25, label %loop, label %exit

loop7:                                            ; preds = %exit11, %exit
  %i9 = phi i64 [ 0, %exit ], [ %26, %exit11 ]
  br i1 true, label %loop10, label %exit11

exit8:                                            ; preds = %exit11, %exit
  br i1 true, label %loop16, label %exit17

loop10:                                           ; preds = %exit14, %loop7
  %i12 = phi i64 [ 0, %loop7 ], [ %79, %exit14 ]
  br i1 true, label %loop13, label %exit14

exit11:                                           ; preds = %exit14, %loop7
  %26 = add i64 %i9, 1
  %27 = icmp slt i64 %26, 1
  br i1 %27, label %loop7, label %exit8

loop13:                                           ; preds = %loop13, %loop10
  %i15 = phi i64 [ 0, %loop10 ], [ %77, %loop13 ]
  %28 = mul i64 %wg, 1
  %29 = add i64 0, %28
  %30 = mul i64 %i9, 1
  %31 = add i64 %29, %30
  %32 = mul i64 %31, 32
  %33 = add i64 0, %32
  %34 = mul i64 %i12, 1
  %35 = add i64 %33, %34
  %36 = getelementptr inbounds float, ptr %buf, i64 %35
  %37 = load float, ptr %36, align 1
  %38 = mul i64 %wg3, 8
  %39 = add i64 0, %38
  %40 = mul i64 %i15, 1
  %41 = add i64 %39, %40
  %42 = mul i64 %i12, 16
  %43 = add i64 0, %42
  %44 = mul i64 %41, 1
  %45 = add i64 %43, %44
  %46 = getelementptr inbounds float, ptr %buf1, i64 %45
  %47 = load <8 x float>, ptr %46, align 1
  %48 = mul i64 %wg, 1
  %49 = add i64 0, %48
  %50 = mul i64 %i9, 1
  %51 = add i64 %49, %50
  %52 = mul i64 %wg3, 8
  %53 = add i64 0, %52
  %54 = mul i64 %i15, 1
  %55 = add i64 %53, %54
  %56 = mul i64 %51, 16
  %57 = add i64 0, %56
  %58 = mul i64 %55, 1
  %59 = add i64 %57, %58
  %60 = getelementptr inbounds float, ptr %buf2, i64 %59
  %61 = load <8 x float>, ptr %60, align 1
  %62 = insertelement <8 x float> undef, float %37, i64 0
  %63 = insertelement <8 x float> %62, float %37, i64 1
  %64 = insertelement <8 x float> %63, float %37, i64 2
  %65 = insertelement <8 x float> %64, float %37, i64 3
  %66 = insertelement <8 x float> %65, float %37, i64 4
  %67 = insertelement <8 x float> %66, float %37, i64 5
  %68 = insertelement <8 x float> %67, float %37, i64 6
  %69 = insertelement <8 x float> %68, float %37, i64 7
  %70 = fmul <8 x float> %69, %47
  %71 = fadd <8 x float> %61, %70
  %72 = mul i64 %51, 16
  %73 = add i64 0, %72
  %74 = mul i64 %55, 1
  %75 = add i64 %73, %74
  %76 = getelementptr inbounds float, ptr %buf2, i64 %75
  store <8 x float> %71, ptr %76, align 1
  %77 = add i64 %i15, 8
  %78 = icmp slt i64 %77, 8
  br i1 %78, label %loop13, label %exit14

exit14:                                           ; preds = %loop13, %loop10
  %79 = add i64 %i12, 1
  %80 = icmp slt i64 %79, 32
  br i1 %80, label %loop10, label %exit11

loop16:                                           ; preds = %exit20, %exit8
  %i18 = phi i64 [ 0, %exit8 ], [ %149, %exit20 ]
  br i1 true, label %loop19, label %exit20

exit17:                                           ; preds = %exit20, %exit8
  ret i32 0

loop19:                                           ; preds = %loop19, %loop16
  %i21 = phi i64 [ 0, %loop16 ], [ %147, %loop19 ]
  %81 = mul i64 %wg, 1
  %82 = add i64 0, %81
  %83 = mul i64 %i18, 1
  %84 = add i64 %82, %83
  %85 = mul i64 %wg3, 8
  %86 = add i64 0, %85
  %87 = mul i64 %i21, 1
  %88 = add i64 %86, %87
  %89 = mul i64 %84, 16
  %90 = add i64 0, %89
  %91 = mul i64 %88, 1
  %92 = add i64 %90, %91
  %93 = getelementptr inbounds float, ptr %buf2, i64 %92
  %94 = load <8 x float>, ptr %93, align 1
  %95 = fmul <8 x float> %94, splat (float 0x3FE6A09E60000000)
  %96 = fmul <8 x float> %95, %95
  %97 = fmul <8 x float> splat (float 0xBF48D30180000000), %96
  %98 = fadd <8 x float> %97, splat (float 0x3F72F684C0000000)
  %99 = fmul <8 x float> %98, %96
  %100 = fadd <8 x float> %99, splat (float 0xBF98618620000000)
  %101 = fmul <8 x float> %100, %96
  %102 = fadd <8 x float> %101, splat (float 0x3FB99999A0000000)
  %103 = fmul <8 x float> %102, %96
  %104 = fadd <8 x float> %103, splat (float 0xBFD5555560000000)
  %105 = fmul <8 x float> %104, %96
  %106 = fadd <8 x float> %105, splat (float 1.000000e+00)
  %107 = fmul <8 x float> %106, %95
  %108 = fmul <8 x float> %107, splat (float 0x3FF20DD760000000)
  %109 = call <8 x float> @llvm.fabs.v8f32(<8 x float> %95)
  %110 = fmul <8 x float> splat (float 5.000000e-01), %109
  %111 = fadd <8 x float> splat (float 1.000000e+00), %110
  %112 = fdiv <8 x float> splat (float 1.000000e+00), %111
  %113 = fmul <8 x float> splat (float 0x3FC5DF28A0000000), %112
  %114 = fadd <8 x float> %113, splat (float 0xBFEA4F1240000000)
  %115 = fmul <8 x float> %114, %112
  %116 = fadd <8 x float> %115, splat (float 0x3FF7D0F600000000)
  %117 = fmul <8 x float> %116, %112
  %118 = fadd <8 x float> %117, splat (float 0xBFF229CBA0000000)
  %119 = fmul <8 x float> %118, %112
  %120 = fadd <8 x float> %119, splat (float 0x3FD1D8F980000000)
  %121 = fmul <8 x float> %120, %112
  %122 = fadd <8 x float> %121, splat (float 0xBFC7D84980000000)
  %123 = fmul <8 x float> %122, %112
  %124 = fadd <8 x float> %123, splat (float 0x3FB8C6D920000000)
  %125 = fmul <8 x float> %124, %112
  %126 = fadd <8 x float> %125, splat (float 0x3FD7F11F60000000)
  %127 = fmul <8 x float> %126, %112
  %128 = fadd <8 x float> %127, splat (float 0x3FF00018E0000000)
  %129 = fmul <8 x float> %128, %112
  %130 = fadd <8 x float> %129, splat (float 0xBFF43F89C0000000)
  %131 = fmul <8 x float> %109, %109
  %132 = fsub <8 x float> %130, %131
  %133 = call <8 x float> @llvm.exp.v8f32(<8 x float> %132)
  %134 = fmul <8 x float> %112, %133
  %135 = fsub <8 x float> splat (float 1.000000e+00), %134
  %136 = call <8 x float> @llvm.copysign.v8f32(<8 x float> %135, <8 x float> %95)
  %137 = fcmp olt <8 x float> %109, splat (float 5.000000e-01)
  %138 = select <8 x i1> %137, <8 x float> %108, <8 x float> %136
  %139 = fmul <8 x float> splat (float 5.000000e-01), %94
  %140 = fadd <8 x float> splat (float 1.000000e+00), %138
  %141 = fmul <8 x float> %139, %140
  %142 = mul i64 %84, 16
  %143 = add i64 0, %142
  %144 = mul i64 %88, 1
  %145 = add i64 %143, %144
  %146 = getelementptr inbounds float, ptr %buf2, i64 %145
  store <8 x float> %141, ptr %146, align 1
  %147 = add i64 %i21, 8
  %148 = icmp slt i64 %147, 8
  br i1 %148, label %loop19, label %exit20

exit20:                                           ; preds = %loop19, %loop16
  %149 = add i64 %i18, 1
  %150 = icmp slt i64 %149, 1
  br i1 %150, label %loop16, label %exit17
}

; Function Attrs: nocallback nocreateundeforpoison nofree nosync nounwind speculatable willreturn memory(none)
declare <8 x float> @llvm.fabs.v8f32(<8 x float>) #0

; Function Attrs: nocallback nocreateundeforpoison nofree nosync nounwind speculatable willreturn memory(none)
declare <8 x float> @llvm.exp.v8f32(<8 x float>) #0

; Function Attrs: nocallback nocreateundeforpoison nofree nosync nounwind speculatable willreturn memory(none)
declare <8 x float> @llvm.copysign.v8f32(<8 x float>, <8 x float>) #0

attributes #0 = { nocallback nocreateundeforpoison nofree nosync nounwind speculatable willreturn memory(none) }
