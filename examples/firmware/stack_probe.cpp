// The stack each public entry point of the library uses, measured on the board: the stack
// below the caller is painted with a pattern, one call is made, and the deepest word that
// changed gives the bytes used (docs/real-time.md). Every call is made by a probe function
// of its own (extern "C", never inlined), so tools/cortex_m_footprint.py can compare each
// measurement with the static bound it computes for the same function from the
// compiler's stack and call-graph files: a measurement above its bound would mean the
// analysis missed something, and fails the check.
//
// Output, one line per entry point, for tools/cortex_m_footprint.py:
//   stack <probe> <bytes> <status>
// Exit status 0 if every call returned status::ok (each probe is set up so that it must).
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "microprop/microprop.h"
#include "microprop/microprop.hpp"
#include "print.hpp"

using namespace microprop;
using firmware::print;

namespace {

// The networks: the classic sigmoid/softmax classifier (online and mini-batch), a
// regression network with the other activations, and a run-time-shaped copy of the first.
using Classifier = Mlp<64, Dense<32, Sigmoid>, Dense<10, Softmax>>;
Classifier net(1);
MiniBatchMlp<64, Dense<32, Sigmoid>, Dense<10, Softmax>> batched(2);
Mlp<16, Dense<12, Tanh>, Dense<8, Relu>, Dense<3, Identity>> regression(3);

constexpr network_shape shape{64, 2, {{32, activation::sigmoid}, {10, activation::softmax}}};
alignas(vector_alignment) unsigned char arena[footprint_of(shape).total];
alignas(vector_alignment) unsigned char c_arena[footprint_of(shape).total];
Network runtime;
mp_network* handle = nullptr;
const mp_layer c_layers[] = {{32, MP_SIGMOID}, {10, MP_SOFTMAX}};

float x[64], target[10], regression_x[16], regression_target[3], y[10], loss;

// A model file of the classifier, and two checkpoint slots in RAM.
alignas(4) unsigned char model[12 * 1024];
std::size_t model_bytes = 0;
constexpr std::size_t slot_bytes = 12 * 1024;
unsigned char slots[2][slot_bytes];

// The classifier's parameters as a flash network (prediction from const arrays).
const std::uint32_t flash_outputs[] = {32, 10};
const std::uint8_t flash_activations[] = {static_cast<std::uint8_t>(activation::sigmoid),
                                          static_cast<std::uint8_t>(activation::softmax)};
const float* flash_weights[2];
const float* flash_biases[2];
flash_network flash{64, 2, static_cast<std::uint32_t>(row_floats), flash_outputs, flash_activations,
                    flash_weights, flash_biases};
mp_flash_network c_flash{64, 2, static_cast<std::uint32_t>(row_floats), flash_outputs, flash_activations,
                         flash_weights, flash_biases};
alignas(vector_alignment) float scratch[64 + 2 * 32];

}  // namespace

// The checkpoint storage's callbacks: named functions, so the static analysis finds them.
extern "C" {

bool probe_storage_read(void*, std::uint32_t slot, std::size_t offset, void* data, std::size_t size) {
    std::memcpy(data, slots[slot] + offset, size);
    return true;
}
bool probe_storage_write(void*, std::uint32_t slot, std::size_t offset, const void* data, std::size_t size) {
    std::memcpy(slots[slot] + offset, data, size);
    return true;
}
bool probe_storage_erase(void*, std::uint32_t slot) {
    std::memset(slots[slot], 0xFF, slot_bytes);
    return true;
}

}  // extern "C"

namespace {
const checkpoint_storage storage{nullptr, slot_bytes, 8, probe_storage_read, probe_storage_write,
                                 probe_storage_erase};
int code(status s) { return static_cast<int>(s); }
}  // namespace

// One call each. The names are those tools/cortex_m_footprint.py lists (ENTRY_POINTS).
#define PROBE extern "C" [[gnu::noinline]] int
PROBE probe_train_step() { return code(net.train_step(x, 3, 0.01f, &loss)); }
PROBE probe_train_step_target() { return code(net.train_step_target(x, target, 0.01f, &loss)); }
PROBE probe_train_step_target_regression() {
    return code(regression.train_step_target(regression_x, regression_target, 0.01f, &loss));
}
PROBE probe_train_then_predict() { return code(net.train_then_predict(3, 0.01f, x, &loss)); }
PROBE probe_predict() { return code(net.predict(x, y)); }
PROBE probe_accumulate() { return code(batched.accumulate(x, 3, &loss)); }
PROBE probe_apply_batch() { return code(batched.apply_batch(0.01f)); }
PROBE probe_initialize() { net.initialize(1); return 0; }
PROBE probe_save() { return code(net.save(model, sizeof model, &model_bytes)); }
PROBE probe_load() { return code(net.load(model, model_bytes)); }
PROBE probe_create() { return code(Network::create(shape, arena, sizeof arena, &runtime)); }
PROBE probe_create_from_model() {
    return code(Network::create_from_model(model, model_bytes, arena, sizeof arena, &runtime));
}
PROBE probe_save_checkpoint() { return code(net.save_checkpoint(storage)); }
PROBE probe_restore_checkpoint() { return code(net.restore_checkpoint(storage)); }
PROBE probe_set_input_limit() { return code(net.set_input_limit(1000.0f)); }
PROBE probe_flash_predict() { return code(predict(flash, x, y, scratch, sizeof scratch / sizeof(float))); }
PROBE probe_mp_create() { return mp_create(64, c_layers, 2, c_arena, sizeof c_arena, 1, &handle); }
PROBE probe_mp_set_input_limit() { return mp_set_input_limit(handle, 1000.0f); }
PROBE probe_mp_train_step() { return mp_train_step(handle, x, 3, 0.01f, &loss); }
PROBE probe_mp_train_step_target() { return mp_train_step_target(handle, x, target, 0.01f, &loss); }
PROBE probe_mp_predict() { return mp_predict(handle, x, y); }
PROBE probe_mp_train_then_predict() { return mp_train_then_predict(handle, 3, 0.01f, x, &loss); }
PROBE probe_mp_save() { return mp_save(handle, model, sizeof model, &model_bytes); }
PROBE probe_mp_load() { return mp_load(handle, model, model_bytes); }
PROBE probe_mp_create_from_model() {
    mp_network* out = nullptr;
    return mp_create_from_model(model, model_bytes, arena, sizeof arena, &out);
}
PROBE probe_mp_predict_flash() {
    return mp_predict_flash(&c_flash, x, y, scratch, sizeof scratch / sizeof(float));
}
// The longest path of a schedule: the cosine with growing periods walks them (64-bit
// divisions from the C library) at a step far into the run.
PROBE probe_mp_learning_rate() {
    const mp_schedule s = mp_schedule_cosine_restarts(0.1f, 7, 2, 0.001f);
    return mp_learning_rate(&s, 123456789012ull) > 0.0f ? 0 : 1;
}
#undef PROBE

namespace {

// Stack painting. The words below the measuring frame's stack pointer are filled with the
// pattern, the probe is called, and the lowest word that no longer holds the pattern is
// the deepest the call reached. The measuring function keeps a fixed frame (no calls
// between reading sp and calling the probe but the probe itself), so the bytes from its sp
// down to that word are exactly what the probe used, its own frame included.
constexpr std::uint32_t paint = 0xC0FFEE11u;
constexpr std::uint32_t painted_words = 2048;  // 8 KB

struct probe {
    const char* name;
    int (*call)();
    void (*prepare)();  // run before painting, may be null
};

[[gnu::noinline]] std::uint32_t stack_of(int (*call)(), int* result) {
    std::uint32_t* sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    volatile std::uint32_t* const top = sp;
    for (std::uint32_t i = 1; i <= painted_words; ++i) top[-static_cast<std::ptrdiff_t>(i)] = paint;
    __asm__ volatile("" ::: "memory");
    *result = call();
    __asm__ volatile("" ::: "memory");
    std::uint32_t deepest = 0;
    for (std::uint32_t i = painted_words; i >= 1; --i) {
        if (top[-static_cast<std::ptrdiff_t>(i)] != paint) {
            deepest = i;
            break;
        }
    }
    return deepest * 4;
}

void prime_pipeline() { net.predict(x); }
void prime_c_pipeline() { mp_predict(handle, x, nullptr); }
void fill_batch() { batched.accumulate(x, 3); }

const probe probes[] = {
    {"train_step", probe_train_step, nullptr},
    {"train_step_target", probe_train_step_target, nullptr},
    {"train_step_target_regression", probe_train_step_target_regression, nullptr},
    {"train_then_predict", probe_train_then_predict, prime_pipeline},
    {"predict", probe_predict, nullptr},
    {"accumulate", probe_accumulate, nullptr},
    {"apply_batch", probe_apply_batch, fill_batch},
    {"set_input_limit", probe_set_input_limit, nullptr},
    {"save", probe_save, nullptr},
    {"load", probe_load, nullptr},
    {"save_checkpoint", probe_save_checkpoint, nullptr},
    {"restore_checkpoint", probe_restore_checkpoint, nullptr},
    {"create", probe_create, nullptr},
    {"create_from_model", probe_create_from_model, nullptr},
    {"flash_predict", probe_flash_predict, nullptr},
    {"initialize", probe_initialize, nullptr},
    {"mp_create", probe_mp_create, nullptr},
    {"mp_set_input_limit", probe_mp_set_input_limit, nullptr},
    {"mp_train_step", probe_mp_train_step, nullptr},
    {"mp_train_step_target", probe_mp_train_step_target, nullptr},
    {"mp_predict", probe_mp_predict, nullptr},
    {"mp_train_then_predict", probe_mp_train_then_predict, prime_c_pipeline},
    {"mp_save", probe_mp_save, nullptr},
    {"mp_load", probe_mp_load, nullptr},
    {"mp_create_from_model", probe_mp_create_from_model, nullptr},
    {"mp_predict_flash", probe_mp_predict_flash, nullptr},
    {"mp_learning_rate", probe_mp_learning_rate, nullptr},
};

}  // namespace

int main() {
    for (std::uint32_t i = 0; i < 64; ++i) x[i] = static_cast<float>(i % 7) * 0.125f;
    for (std::uint32_t i = 0; i < 16; ++i) regression_x[i] = static_cast<float>(i % 5) * 0.25f - 0.5f;
    target[3] = 1.0f;
    regression_target[0] = 0.5f;
    regression_target[2] = -0.25f;
    for (std::uint32_t l = 0; l < 2; ++l) {
        flash_weights[l] = net.layer(l).weights;
        flash_biases[l] = net.layer(l).bias;
    }
    print("kernels ");
    print(active_kernels().name);
    print("\n");
    bool all_ok = true;
    for (const probe& p : probes) {
        if (p.prepare != nullptr) p.prepare();
        int result = -1;
        const std::uint32_t bytes = stack_of(p.call, &result);
        print("stack ");
        print(p.name);
        print(" ");
        print(bytes);
        print(" ");
        print(static_cast<std::uint32_t>(result));
        print("\n");
        if (result != 0 || bytes == 0 || bytes >= painted_words * 4) all_ok = false;
    }
    print(all_ok ? "stack probe: done\n" : "stack probe: FAILED, a call was refused or left the painted area\n");
    return all_ok ? 0 : 1;
}
