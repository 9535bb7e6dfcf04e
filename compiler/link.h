/* Linking the parts' objects into a shared object with ld.lld, and writing
 * the artifact (shared object + wasmc_trailer) atomically. */
#ifndef WASMC_LINK_H
#define WASMC_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codegen.h"
#include "error.h"
#include "target.h"

/* Link objs (in this order) with cc->linker for cc->target into a shared
 * object named `soname` exporting
 * only `export_symbol` (NULL: WASMC_DESCRIPTOR_SYMBOL; a component's
 * artifact exports WASMC_COMPONENT_SYMBOL).  On success *so is a malloc'd
 * image. */
bool link_objects(const CompileConfig *cc, const CodegenObject *objs, uint32_t n, const char *soname,
                  const char *export_symbol, uint8_t **so, size_t *so_size, WasmError *err);

typedef struct ArtifactInfo {
    wasmc_arch arch;
    uint64_t cpu_features;
    wasmc_memory_mode memory_mode;
    const uint8_t *module_sha256;  /* 32 bytes */
    const struct WasmcSigningKey *sign_key;  /* non-NULL: append a signature block */
} ArtifactInfo;

/* The trailer for a payload, in its on-disk (little-endian) encoding. */
void link_encode_trailer(const ArtifactInfo *info, const uint8_t *payload, size_t payload_size,
                         uint8_t out[sizeof(wasmc_trailer)]);

/* Write payload + trailer to out_path ("-" = stdout) through a temporary
 * file in the same directory renamed into place, so out_path is either
 * untouched or the complete artifact. */
bool link_write_artifact(const char *out_path, const ArtifactInfo *info, const uint8_t *payload,
                         size_t payload_size, size_t *written, WasmError *err);

/* Remove every temporary file and directory wasmc is using right now.
 * Async-signal-safe: for a fatal-signal handler (the CLI's SIGINT/SIGTERM),
 * so an interrupted compile leaves nothing behind. */
void link_cleanup_temporaries(void);

#endif
