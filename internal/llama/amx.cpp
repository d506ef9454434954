// amx.cpp fills one hole in the ggml CPU backend as the ollama module
// vendors it. ggml-cpu.cpp asks ggml_backend_amx_buffer_type() for an extra
// buffer type whenever the compiler targets AMX (__AMX_INT8__ and
// __AVX512VNNI__, which -march=native sets on Sapphire Rapids and later), but
// the module compiles no Go package for ggml-cpu/amx, so nothing defines it
// and the link fails. This definition answers "no AMX buffer type", which is
// what ggml's own amx.cpp returns where AMX is unavailable: matrix products
// then run on the AVX-512/AVX2 kernels like on any other x86-64 CPU. It is
// weak, so a build that does compile ggml's AMX backend keeps the real one.
struct ggml_backend_buffer_type;

__attribute__((weak)) struct ggml_backend_buffer_type * ggml_backend_amx_buffer_type(void) {
    return nullptr;
}
