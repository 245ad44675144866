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
  %i = phi i64 [ 0, %entry ], [ %33, %exit5 ]
  br i1 true, label %loop4, label %exit5

exit:                                             ; preds = %exit5, %entry
  ret i32 0

loop4:                                            ; preds = %in_bounds9, %loop
  %i6 = phi i64 [ 0, %loop ], [ %85, %in_bounds9 ]
  %9 = mul i64 %wg, 1
  %10 = add i64 0, %9
  %11 = mul i64 %i, 1
  %12 = add i64 %10, %11
  %13 = mul i64 %12, 1
  %14 = add i64 0, %13
  %15 = getelementptr inbounds i64, ptr %buf1, i64 %14
  %16 = load i64, ptr %15, align 1
  %17 = mul i64 %wg, 1
  %18 = add i64 0, %17
  %19 = mul i64 %i, 1
  %20 = add i64 %18, %19
  %21 = mul i64 %wg3, 4
  %22 = add i64 0, %21
  %23 = mul i64 %i6, 1
  %24 = add i64 %22, %23
  %25 = icmp slt i64 %16, 0
  %26 = add i64 %16, 16
  %27 = select i1 %25, i64 %26, i64 %16
  %28 = mul i64 %wg3, 4
  %29 = add i64 0, %28
  %30 = mul i64 %i6, 1
  %31 = add i64 %29, %30
  %32 = icmp ult i64 %27, 16
  br i1 %32, label %in_bounds, label %out_of_bounds

exit5:                                            ; preds = %in_bounds9, %loop
  %33 = add i64 %i, 1
  %34 = icmp slt i64 %33, 1
  br i1 %34, label %loop, label %exit

out_of_bounds:                                    ; preds = %in_bounds8, %in_bounds7, %in_bounds, %loop4
  ret i32 1

in_bounds:                                        ; preds = %loop4
  %35 = mul i64 %27, 8
  %36 = add i64 0, %35
  %37 = icmp ult i64 %31, 8
  br i1 %37, label %in_bounds7, label %out_of_bounds

in_bounds7:                                       ; preds = %in_bounds
  %38 = mul i64 %31, 1
  %39 = add i64 %36, %38
  %40 = getelementptr inbounds float, ptr %buf, i64 %39
  %41 = load float, ptr %40, align 1
  %42 = mul i64 %20, 8
  %43 = add i64 0, %42
  %44 = mul i64 %24, 1
  %45 = add i64 %43, %44
  %46 = getelementptr inbounds float, ptr %buf2, i64 %45
  store float %41, ptr %46, align 1
  %47 = mul i64 %i6, 1
  %48 = add i64 1, %47
  %49 = mul i64 %wg, 1
  %50 = add i64 0, %49
  %51 = mul i64 %i, 1
  %52 = add i64 %50, %51
  %53 = mul i64 %52, 1
  %54 = add i64 0, %53
  %55 = getelementptr inbounds i64, ptr %buf1, i64 %54
  %56 = load i64, ptr %55, align 1
  %57 = mul i64 %wg, 1
  %58 = add i64 0, %57
  %59 = mul i64 %i, 1
  %60 = add i64 %58, %59
  %61 = mul i64 %wg3, 4
  %62 = add i64 0, %61
  %63 = mul i64 %48, 1
  %64 = add i64 %62, %63
  %65 = icmp slt i64 %56, 0
  %66 = add i64 %56, 16
  %67 = select i1 %65, i64 %66, i64 %56
  %68 = mul i64 %wg3, 4
  %69 = add i64 0, %68
  %70 = mul i64 %48, 1
  %71 = add i64 %69, %70
  %72 = icmp ult i64 %67, 16
  br i1 %72, label %in_bounds8, label %out_of_bounds

in_bounds8:                                       ; preds = %in_bounds7
  %73 = mul i64 %67, 8
  %74 = add i64 0, %73
  %75 = icmp ult i64 %71, 8
  br i1 %75, label %in_bounds9, label %out_of_bounds

in_bounds9:                                       ; preds = %in_bounds8
  %76 = mul i64 %71, 1
  %77 = add i64 %74, %76
  %78 = getelementptr inbounds float, ptr %buf, i64 %77
  %79 = load float, ptr %78, align 1
  %80 = mul i64 %60, 8
  %81 = add i64 0, %80
  %82 = mul i64 %64, 1
  %83 = add i64 %81, %82
  %84 = getelementptr inbounds float, ptr %buf2, i64 %83
  store float %79, ptr %84, align 1
  %85 = add i64 %i6, 2
  %86 = icmp slt i64 %85, 4
  br i1 %86, label %loop4, label %exit5
}
