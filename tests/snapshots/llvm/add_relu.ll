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
  %i = phi i64 [ 0, %entry ], [ %89, %exit5 ]
  br i1 true, label %loop4, label %exit5

exit:                                             ; preds = %exit5, %entry
  ret i32 0

loop4:                                            ; preds = %loop4, %loop
  %i6 = phi i64 [ 0, %loop ], [ %87, %loop4 ]
  %9 = mul i64 %wg, 1
  %10 = add i64 0, %9
  %11 = mul i64 %i, 1
  %12 = add i64 %10, %11
  %13 = mul i64 %wg3, 16
  %14 = add i64 0, %13
  %15 = mul i64 %i6, 1
  %16 = add i64 %14, %15
  %17 = mul i64 %12, 64
  %18 = add i64 0, %17
  %19 = mul i64 %16, 1
  %20 = add i64 %18, %19
  %21 = getelementptr inbounds float, ptr %buf, i64 %20
  %22 = load <8 x float>, ptr %21, align 1
  %23 = mul i64 %wg3, 16
  %24 = add i64 0, %23
  %25 = mul i64 %i6, 1
  %26 = add i64 %24, %25
  %27 = mul i64 %26, 1
  %28 = add i64 0, %27
  %29 = getelementptr inbounds float, ptr %buf1, i64 %28
  %30 = load <8 x float>, ptr %29, align 1
  %31 = mul i64 %wg, 1
  %32 = add i64 0, %31
  %33 = mul i64 %i, 1
  %34 = add i64 %32, %33
  %35 = mul i64 %wg3, 16
  %36 = add i64 0, %35
  %37 = mul i64 %i6, 1
  %38 = add i64 %36, %37
  %39 = fadd <8 x float> %22, %30
  %40 = fcmp olt <8 x float> %39, zeroinitializer
  %41 = select <8 x i1> %40, <8 x float> zeroinitializer, <8 x float> %39
  %42 = mul i64 %34, 64
  %43 = add i64 0, %42
  %44 = mul i64 %38, 1
  %45 = add i64 %43, %44
  %46 = getelementptr inbounds float, ptr %buf2, i64 %45
  store <8 x float> %41, ptr %46, align 1
  %47 = mul i64 %i6, 1
  %48 = add i64 8, %47
  %49 = mul i64 %wg, 1
  %50 = add i64 0, %49
  %51 = mul i64 %i, 1
  %52 = add i64 %50, %51
  %53 = mul i64 %wg3, 16
  %54 = add i64 0, %53
  %55 = mul i64 %48, 1
  %56 = add i64 %54, %55
  %57 = mul i64 %52, 64
  %58 = add i64 0, %57
  %59 = mul i64 %56, 1
  %60 = add i64 %58, %59
  %61 = getelementptr inbounds float, ptr %buf, i64 %60
  %62 = load <8 x float>, ptr %61, align 1
  %63 = mul i64 %wg3, 16
  %64 = add i64 0, %63
  %65 = mul i64 %48, 1
  %66 = add i64 %64, %65
  %67 = mul i64 %66, 1
  %68 = add i64 0, %67
  %69 = getelementptr inbounds float, ptr %buf1, i64 %68
  %70 = load <8 x float>, ptr %69, align 1
  %71 = mul i64 %wg, 1
  %72 = add i64 0, %71
  %73 = mul i64 %i, 1
  %74 = add i64 %72, %73
  %75 = mul i64 %wg3, 16
  %76 = add i64 0, %75
  %77 = mul i64 %48, 1
  %78 = add i64 %76, %77
  %79 = fadd <8 x float> %62, %70
  %80 = fcmp olt <8 x float> %79, zeroinitializer
  %81 = select <8 x i1> %80, <8 x float> zeroinitializer, <8 x float> %79
  %82 = mul i64 %74, 64
  %83 = add i64 0, %82
  %84 = mul i64 %78, 1
  %85 = add i64 %83, %84
  %86 = getelementptr inbounds float, ptr %buf2, i64 %85
  store <8 x float> %81, ptr %86, align 1
  %87 = add i64 %i6, 16
  %88 = icmp slt i64 %87, 16
  br i1 %88, label %loop4, label %exit5

exit5:                                            ; preds = %loop4, %loop
  %89 = add i64 %i, 1
  %90 = icmp slt i64 %89, 1
  br i1 %90, label %loop, label %exit
}
