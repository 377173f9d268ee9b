// libFuzzer's entry point for programs with their own main (LLVM's FuzzerInterface.h).
// The library itself is linked by swiftc's -sanitize=fuzzer.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
