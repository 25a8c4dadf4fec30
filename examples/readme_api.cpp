// The README's API examples, compiled with every build so the README stays true.
#include <cstdio>

#include <microprop/microprop.hpp>
using namespace microprop;

// 64 inputs, 32 sigmoid units, 10 classes (softmax + cross-entropy). The object is its
// own storage: sizeof(net) == net.footprint().total, nothing is allocated.
static Mlp<64, Dense<32, Sigmoid>, Dense<10, Softmax>> net(/*seed*/ 1);

void on_sample(const float* features, std::uint32_t label) {
    float probabilities[10];
    net.predict(features, probabilities);                      // forward pass only
    float loss;
    status s = net.train_step(features, label, 0.05f, &loss);  // one online SGD step
    if (s != status::ok) std::puts(status_message(s));         // rejected: model unchanged
}

// A stream where each sample's label arrives with the next sample: one call learns the
// sample predicted last and predicts the new one. Bit-identical to train_step + predict,
// but the first layer's weights are read and written once instead of three times.
void on_next(std::uint32_t label_of_previous, const float* features) {
    status s = net.train_then_predict(label_of_previous, 0.05f, features);
    if (s == status::no_forward_pass) s = net.predict(features);  // the stream's first sample
    const float* probabilities = net.output();                    // for `features`
    std::printf("%s, p0 = %.3f\n", status_message(s), probabilities[0]);
}

static_assert(sizeof(net) == decltype(net)::footprint().total, "the object is its storage");

int run_time_shape() {
    network_shape shape{784, 2, {{128, activation::sigmoid}, {10, activation::softmax}}};
    std::size_t need = footprint_of(shape).total;  // or ask create() for it
    alignas(vector_alignment) static unsigned char arena[420000];
    Network net;
    status s = Network::create(shape, arena, sizeof arena, &net, &need);  // buffer_too_small if short
    std::printf("run-time network: %s, %zu bytes needed\n", status_message(s), need);
    return s == status::ok ? 0 : 1;
}

int main() {
    float features[64] = {};
    on_sample(features, 3);
    on_next(0, features);  // learns the sample on_sample predicted, predicts this one
    on_next(3, features);
    return run_time_shape();
}
