/*
 * strata_runtime.h — the C API of Strata's runtime (libstrata_runtime_c.so).
 *
 * Load a module file compiled by `strata compile`, then call its functions on raw
 * little-endian tensor bytes. Every call returns a strata_status; on failure,
 * strata_last_error() describes what went wrong (per thread, valid until the thread's
 * next call). Handles are opaque; release what you create.
 *
 *   strata_device *dev;  strata_module *mod;
 *   strata_device_create_cpu(0, &dev);
 *   strata_module_load(dev, "model.strata", &mod);
 *   strata_function_call(mod, "main", ins, in_bytes, 1, outs, out_bytes, 1);
 *   strata_module_release(mod);  strata_device_release(dev);
 */
#ifndef STRATA_RUNTIME_H
#define STRATA_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum strata_status {
    STRATA_OK = 0,
    STRATA_ERROR_INVALID_ARGUMENT = 1, /* NULL pointers, bad strings */
    STRATA_ERROR_IO = 2,               /* the file cannot be read */
    STRATA_ERROR_BAD_MODULE = 3,       /* not a module file, or a damaged one */
    STRATA_ERROR_VERSION = 4,          /* a module file of another format version */
    STRATA_ERROR_NOT_FOUND = 5,        /* no such function, input or output */
    STRATA_ERROR_INPUT = 6,            /* inputs/outputs of the wrong number or size */
    STRATA_ERROR_DEVICE = 7,           /* the device failed (memory, loading code) */
    STRATA_ERROR_KERNEL = 8,           /* a kernel failed (an out-of-range index in data) */
    STRATA_ERROR_INTERNAL = 9,         /* a bug in Strata: please report it */
    STRATA_ERROR_UNTRUSTED = 10        /* a whole module file not signed by a trusted key */
} strata_status;

#define STRATA_MAX_RANK 8

typedef struct strata_device strata_device;
typedef struct strata_module strata_module;

/* One input or output of a function. The strings live as long as the module. */
typedef struct strata_tensor_info {
    const char *name;
    const char *dtype; /* "f32", "f16", "bf16", "f64", "i8", "i16", "i32", "i64", "u8", "bool" */
    size_t rank;
    int64_t shape[STRATA_MAX_RANK];
    size_t bytes;      /* the tensor's size in bytes */
} strata_tensor_info;

/* The calling thread's last error message ("" if none). */
const char *strata_last_error(void);

/* A CPU device with `threads` worker threads (0: one per core). */
int strata_device_create_cpu(int32_t threads, strata_device **out);
void strata_device_release(strata_device *device);

/* Loads a module file; checks its format version and digest. Its code is trusted as a
 * shared library's would be. */
int strata_module_load(const strata_device *device, const char *path, strata_module **out);
/* Loads a module file only if it is signed by one of `trusted_keys`: public keys as
 * `strata keygen` writes them, one per line. */
int strata_module_load_trusted(const strata_device *device, const char *path,
                               const char *trusted_keys, strata_module **out);
void strata_module_release(strata_module *module);

/* How many inputs and outputs `function` has. */
int strata_function_signature(const strata_module *module, const char *function,
                              size_t *num_inputs, size_t *num_outputs);

/* Describes input (is_output = 0) or output (is_output = 1) number `index`. */
int strata_function_tensor_info(const strata_module *module, const char *function,
                                int32_t is_output, size_t index, strata_tensor_info *info);

/* Runs `function`. inputs[i] holds input_bytes[i] bytes of input i; outputs[i] receives
 * output i into output_bytes[i] bytes. Every size must equal the tensor's. */
int strata_function_call(const strata_module *module, const char *function,
                         const void *const *inputs, const size_t *input_bytes, size_t num_inputs,
                         void *const *outputs, const size_t *output_bytes, size_t num_outputs);

#ifdef __cplusplus
}
#endif

#endif /* STRATA_RUNTIME_H */
