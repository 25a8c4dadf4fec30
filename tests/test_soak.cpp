// The hostile-stream soak: a million online steps (20,000 on the emulated boards) on a
// stream where valid samples (some with denormal features) are mixed with NaN, infinities,
// values far beyond the sensor's range, wrong labels, bad targets and non-finite learning
// rates. Every bad call must be refused with its own status and leave every byte of the
// model as it was; no weight may ever become non-finite; and the network must end bit for
// bit where a clean run on the valid samples alone ends.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "microprop/microprop.hpp"
#include "support.hpp"

using namespace microprop;

namespace {

#if MICROPROP_TEST_ON_BOARD
constexpr long soak_steps = 20000;
#else
constexpr long soak_steps = 1000000;
#endif

using sensor_net = Mlp<8, Dense<16, Sigmoid>, Dense<4, Softmax>>;
constexpr float sensor_range = 1000.0f;  // the input limit: readings are within +-1 normally

// The valid stream: 8 readings in [-1, 1], the class is the quadrant of the first two;
// one sample in 50 carries denormal readings (a sensor near zero), still a valid sample.
struct valid_stream {
    test::rng r;
    explicit valid_stream(std::uint64_t seed) : r(seed) {}
    std::uint32_t next(float* x) {
        for (int i = 0; i < 8; ++i) x[i] = r.uniform(-1, 1);
        if (r.next() % 50 == 0)
            for (int i = 2; i < 8; i += 2) x[i] = (r.next() % 2 ? 1.0f : -1.0f) * 1e-40f * static_cast<float>(1 + r.next() % 1000);
        return static_cast<std::uint32_t>(x[0] > 0) + 2 * static_cast<std::uint32_t>(x[1] > 0);
    }
};

std::uint32_t argmax4(const float* y) {
    std::uint32_t best = 0;
    for (std::uint32_t i = 1; i < 4; ++i)
        if (y[i] > y[best]) best = i;
    return best;
}

template <class Net>
bool all_parameters_finite(Net& net) {
    for (std::uint32_t l = 0; l < net.layer_count(); ++l) {
        const layer_params p = net.layer(l);
        for (std::size_t i = 0; i < p.rows * p.stride; ++i)
            if (!std::isfinite(p.weights[i])) return false;
        for (std::size_t i = 0; i < p.rows; ++i)
            if (!std::isfinite(p.bias[i])) return false;
    }
    return true;
}

}  // namespace

TEST_CASE("hostile-stream soak: bad calls refused with their status, model bytes untouched, same end as a clean run") {
    auto hostile = std::make_unique<sensor_net>(21);
    auto clean = std::make_unique<sensor_net>(21);
    REQUIRE(hostile->set_input_limit(sensor_range) == status::ok);
    REQUIRE(clean->set_input_limit(sensor_range) == status::ok);
    valid_stream stream(77);
    test::rng chaos(78);
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    const float eta = 0.05f;

    enum kind { nan_input, pos_inf_input, neg_inf_input, huge_input, bad_label, bad_eta, bad_target, nan_predict, kinds };
    long refused[kinds] = {}, wrong_status = 0, bytes_changed = 0, valid = 0, hits_hostile = 0, hits_clean = 0;
    std::vector<unsigned char> before(sizeof(sensor_net));
    const auto snapshot = [&] { std::memcpy(before.data(), hostile.get(), sizeof(sensor_net)); };
    const auto unchanged = [&] { return std::memcmp(before.data(), hostile.get(), sizeof(sensor_net)) == 0; };

    for (long step = 0; step < soak_steps; ++step) {
        float x[8];
        const std::uint32_t label = stream.next(x);
        if (chaos.next() % 10 < 3) {  // 30 % of the calls are hostile
            const kind k = static_cast<kind>(chaos.next() % kinds);
            float bad[8];
            std::memcpy(bad, x, sizeof bad);
            const std::size_t at = chaos.next() % 8;
            status expected = status::ok, got = status::ok;
            snapshot();
            switch (k) {
                case nan_input: bad[at] = nan; expected = status::non_finite_input; break;
                case pos_inf_input: bad[at] = inf; expected = status::non_finite_input; break;
                case neg_inf_input: bad[at] = -inf; expected = status::non_finite_input; break;
                case huge_input:  // a glitch: finite, but far beyond any real reading
                    bad[at] = (chaos.next() % 2 ? 1.0f : -1.0f) * sensor_range * std::pow(10.0f, chaos.uniform(0.01f, 35.0f));
                    expected = status::input_out_of_range;
                    break;
                case bad_label: expected = status::label_out_of_range; break;
                case bad_eta: expected = status::invalid_learning_rate; break;
                case bad_target: expected = status::non_finite_target; break;
                case nan_predict: bad[at] = nan; expected = status::non_finite_input; break;
                case kinds: break;
            }
            if (k == bad_label) {
                got = hostile->train_step(x, 4 + static_cast<std::uint32_t>(chaos.next() % 1000000), eta);
            } else if (k == bad_eta) {
                const float etas[] = {nan, inf, -inf, 0.0f, -0.1f};
                got = hostile->train_step(x, label, etas[chaos.next() % 5]);
            } else if (k == bad_target) {
                float target[4] = {0, 0, 0, 0};
                target[label] = 1.0f;
                target[chaos.next() % 4] = nan;
                got = hostile->train_step_target(x, target, eta);
            } else if (k == nan_predict) {
                got = hostile->predict(bad);
            } else {
                got = hostile->train_step(bad, label, eta);
            }
            if (got == expected) ++refused[k];
            else ++wrong_status;
            if (!unchanged()) ++bytes_changed;
            continue;
        }
        // A valid sample: test, then train, in both networks.
        ++valid;
        float y[4];
        REQUIRE(hostile->predict(x, y) == status::ok);
        hits_hostile += argmax4(y) == label;
        REQUIRE(clean->predict(x, y) == status::ok);
        hits_clean += argmax4(y) == label;
        REQUIRE(hostile->train_step(x, label, eta) == status::ok);
        REQUIRE(clean->train_step(x, label, eta) == status::ok);
        if (step % 10007 == 0) REQUIRE(all_parameters_finite(*hostile));
    }
    long total_refused = 0;
    for (long n : refused) total_refused += n;
    MESSAGE(soak_steps, " calls: ", valid, " valid, ", total_refused, " hostile refused with the right status (NaN ",
            refused[nan_input], ", +inf ", refused[pos_inf_input], ", -inf ", refused[neg_inf_input], ", huge ",
            refused[huge_input], ", label ", refused[bad_label], ", eta ", refused[bad_eta], ", target ",
            refused[bad_target], ", predict ", refused[nan_predict], "); prequential accuracy ",
            100.0 * static_cast<double>(hits_hostile) / static_cast<double>(valid), " % (clean run ",
            100.0 * static_cast<double>(hits_clean) / static_cast<double>(valid), " %)");
    CHECK(wrong_status == 0);
    CHECK(bytes_changed == 0);
    CHECK(all_parameters_finite(*hostile));
    for (long n : refused) CHECK(n > 0);
    CHECK(hits_hostile == hits_clean);
    CHECK(static_cast<double>(hits_clean) > 0.9 * static_cast<double>(valid));
    std::vector<unsigned char> a(hostile->model_size()), b(clean->model_size());
    REQUIRE(hostile->save(a.data(), a.size()) == status::ok);
    REQUIRE(clean->save(b.data(), b.size()) == status::ok);
    CHECK(a == b);  // the same bytes: the hostile calls left no trace
}

TEST_CASE("divergence: a learning rate that blows training up ends in refused steps, never in NaN weights") {
    // Identity output (squared error, unbounded) and ReLU hidden units: nothing saturates.
    for (const float eta : {1e3f, 1e8f, 1e20f, 1e37f}) {
        CAPTURE(eta);
        auto net = std::make_unique<Mlp<8, Dense<16, Relu>, Dense<2, Identity>>>(5);
        valid_stream stream(3);
        long ok = 0, diverged = 0, other = 0;
        for (int step = 0; step < 3000; ++step) {
            float x[8];
            stream.next(x);
            const float target[2] = {x[0] * 3.0f, -x[1]};
            const status s = net->train_step_target(x, target, eta);
            (s == status::ok ? ok : s == status::diverged ? diverged : other) += 1;
            if (step % 97 == 0) REQUIRE(all_parameters_finite(*net));
        }
        MESSAGE("eta ", eta, ": ", ok, " steps applied, ", diverged, " refused as diverged");
        CHECK(other == 0);
        CHECK(diverged > 0);
        CHECK(all_parameters_finite(*net));
        float y[2];
        float x[8] = {0.5f, -0.5f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f};
        const status p = net->predict(x, y);
        CHECK((p == status::ok || p == status::diverged));
        if (p == status::ok) CHECK((std::isfinite(y[0]) && std::isfinite(y[1])));
    }
}
