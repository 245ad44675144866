// The instruction-set extensions LLVM enables for a triple, CPU name and feature string:
// LLVM's C API does not say, and a module file must list what its code needs.
#include <llvm/MC/MCSubtargetInfo.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/TargetParser/Triple.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

// Returns the enabled features of (triple, cpu, features), comma-separated, in a buffer the
// caller frees with strata_llvm_free; NULL if the triple or the CPU is unknown (the error
// is then in a buffer at *error, also freed with strata_llvm_free). The targets must be
// initialized.
extern "C" char *strata_llvm_cpu_features(const char *triple, const char *cpu,
                                          const char *features, char **error) {
  *error = nullptr;
  std::string message;
  llvm::Triple t(triple);
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(t, message);
  if (!target) {
    *error = strdup(message.c_str());
    return nullptr;
  }
  std::unique_ptr<llvm::MCSubtargetInfo> info(target->createMCSubtargetInfo(t, cpu, features));
  if (!info) {
    *error = strdup("LLVM has no subtarget information for this triple");
    return nullptr;
  }
  if (*cpu && !info->isCPUStringValid(cpu)) {
    *error = strdup((std::string("'") + cpu + "' is not a CPU LLVM knows for this triple").c_str());
    return nullptr;
  }
  std::string out;
  for (const llvm::SubtargetFeatureKV &kv : info->getAllProcessorFeatures()) {
    if (info->getFeatureBits().test(kv.Value)) {
      if (!out.empty()) out += ',';
      out += kv.Key;
    }
  }
  return strdup(out.c_str());
}

extern "C" void strata_llvm_free(char *p) { free(p); }
