/*
 * Runs a Strata module file from C through the runtime's C API.
 *
 *   cc run_model.c -I runtime/capi/include -L target/release -lstrata_runtime_c -o run_model
 *   ./run_model model.strata input0.bin [input1.bin ...]
 *
 * Each input file holds one input's raw little-endian bytes. Prints every output's name,
 * type and shape, then its values (f32 outputs) one per line. With STRATA_TRUSTED_KEYS
 * set to a file of public keys (from `strata keygen`), only a module signed by one of
 * them loads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata_runtime.h"

static int fail(const char *what) {
    fprintf(stderr, "%s: %s\n", what, strata_last_error());
    return 1;
}

static void *read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *data = malloc(n > 0 ? (size_t)n : 1);
    if (data && fread(data, 1, (size_t)n, f) != (size_t)n) {
        free(data);
        data = NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return data;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s model.strata [input.bin ...]\n", argv[0]);
        return 2;
    }
    strata_device *device = NULL;
    strata_module *module = NULL;
    if (strata_device_create_cpu(0, &device) != STRATA_OK) return fail("device");
    const char *keys_path = getenv("STRATA_TRUSTED_KEYS");
    int loaded;
    if (keys_path) {
        size_t n = 0;
        char *keys = read_file(keys_path, &n);
        if (!keys) {
            fprintf(stderr, "cannot read %s\n", keys_path);
            return 1;
        }
        char *text = realloc(keys, n + 1);
        if (!text) return 1;
        text[n] = 0;
        loaded = strata_module_load_trusted(device, argv[1], text, &module);
        free(text);
    } else {
        loaded = strata_module_load(device, argv[1], &module);
    }
    if (loaded != STRATA_OK) {
        strata_device_release(device);
        fprintf(stderr, "status %d\n", loaded);
        return fail("load");
    }
    size_t n_in = 0, n_out = 0;
    if (strata_function_signature(module, "main", &n_in, &n_out) != STRATA_OK) return fail("signature");
    if ((size_t)(argc - 2) != n_in) {
        fprintf(stderr, "the model takes %zu inputs, %d given\n", n_in, argc - 2);
        return 2;
    }
    const void **inputs = calloc(n_in + 1, sizeof(void *));
    size_t *input_bytes = calloc(n_in + 1, sizeof(size_t));
    for (size_t i = 0; i < n_in; i++) {
        inputs[i] = read_file(argv[2 + i], &input_bytes[i]);
        if (!inputs[i]) {
            fprintf(stderr, "cannot read %s\n", argv[2 + i]);
            return 1;
        }
    }
    void **outputs = calloc(n_out + 1, sizeof(void *));
    size_t *output_bytes = calloc(n_out + 1, sizeof(size_t));
    strata_tensor_info *infos = calloc(n_out + 1, sizeof(strata_tensor_info));
    for (size_t i = 0; i < n_out; i++) {
        if (strata_function_tensor_info(module, "main", 1, i, &infos[i]) != STRATA_OK) return fail("info");
        output_bytes[i] = infos[i].bytes;
        outputs[i] = malloc(infos[i].bytes ? infos[i].bytes : 1);
    }
    if (strata_function_call(module, "main", inputs, input_bytes, n_in, outputs, output_bytes, n_out) != STRATA_OK)
        return fail("call");
    for (size_t i = 0; i < n_out; i++) {
        printf("%s %s", infos[i].name, infos[i].dtype);
        for (size_t d = 0; d < infos[i].rank; d++) printf("%s%lld", d ? "x" : " ", (long long)infos[i].shape[d]);
        printf("\n");
        if (strcmp(infos[i].dtype, "f32") == 0) {
            const float *v = outputs[i];
            for (size_t k = 0; k < infos[i].bytes / sizeof(float); k++) printf("%.9g\n", v[k]);
        }
        free(outputs[i]);
    }
    for (size_t i = 0; i < n_in; i++) free((void *)inputs[i]);
    free(inputs);
    free(input_bytes);
    free(outputs);
    free(output_bytes);
    free(infos);
    strata_module_release(module);
    strata_device_release(device);
    return 0;
}
