// Learns AND with the installed library; exits 0 only if it did.
#include <microprop/microprop.hpp>

#include <cstdio>

int main() {
    static microprop::Mlp<2, microprop::Dense<4, microprop::Sigmoid>, microprop::Dense<2, microprop::Softmax>> net(1);
    const float x[4][2] = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
    const std::uint32_t y[4] = {0, 0, 0, 1};
    for (int epoch = 0; epoch < 2000; ++epoch)
        for (int i = 0; i < 4; ++i)
            if (net.train_step(x[i], y[i], 0.5f) != microprop::status::ok) return 1;
    int correct = 0;
    for (int i = 0; i < 4; ++i) {
        float p[2];
        if (net.predict(x[i], p) != microprop::status::ok) return 1;
        correct += (p[1] > p[0]) == (y[i] == 1);
    }
    std::printf("consumer: %d/4 correct with %s kernels\n", correct, microprop::active_kernels().name);
    return correct == 4 ? 0 : 1;
}
