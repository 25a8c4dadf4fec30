// Writes the seed corpora of the model and checkpoint harnesses: model files and
// checkpoint images of the fixed shapes the harnesses load into, and a few files of other
// shapes. Run once by hand; the output is committed under fuzz/corpus/:
//   build/fuzz/fuzz/microprop_fuzz_seeds fuzz/corpus
// The CSV seeds are written by hand (fuzz/corpus/csv/).
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "fuzz_support.hpp"

namespace {

using namespace microprop;
using namespace microprop::fuzz;

bool write_file(const std::string& path, const std::vector<unsigned char>& bytes) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) return false;
    const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
    return std::fclose(f) == 0 && ok;
}

// A few training steps, so weights differ from their initial values and steps > 0.
template <class Net>
void train(Net& net, int steps) {
    std::vector<float> x(net.input_size()), target(net.output_size(), 0.0f);
    target[0] = 1.0f;
    for (int s = 0; s < steps; ++s) {
        for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((s * 7 + i * 3) % 11) / 11.0f - 0.5f;
        if (net.train_step_target(x.data(), target.data(), 0.1f) == status::no_gradients) {
            net.accumulate_target(x.data(), target.data());
            net.apply_batch(0.1f);
        }
    }
}

// Storage in memory, erased to 0xFF, for writing checkpoint images.
struct memory_flash {
    std::size_t slot_size;
    std::vector<unsigned char> bytes;
    static bool read(void* c, std::uint32_t slot, std::size_t off, void* out, std::size_t n) {
        auto* f = static_cast<memory_flash*>(c);
        std::memcpy(out, f->bytes.data() + slot * f->slot_size + off, n);
        return true;
    }
    static bool write(void* c, std::uint32_t slot, std::size_t off, const void* data, std::size_t n) {
        auto* f = static_cast<memory_flash*>(c);
        std::memcpy(f->bytes.data() + slot * f->slot_size + off, data, n);
        return true;
    }
    static bool erase(void* c, std::uint32_t slot) {
        auto* f = static_cast<memory_flash*>(c);
        std::memset(f->bytes.data() + slot * f->slot_size, 0xFF, f->slot_size);
        return true;
    }
};

// A checkpoint harness input: [unit - 1 | shape << 6][cut (127: none)][fraction][slot 0][slot 1],
// with `saves` checkpoints of `net` (trained one step more before each).
template <class Net>
std::vector<unsigned char> checkpoint_image(Net& net, int shape, std::size_t unit, int saves,
                                            unsigned char cut, unsigned char fraction) {
    memory_flash f{checkpoint_slot_bytes(net.model_size(), unit) + unit, {}};
    f.bytes.assign(2 * f.slot_size, 0xFF);
    const checkpoint_storage storage{&f, f.slot_size, unit, memory_flash::read, memory_flash::write,
                                     memory_flash::erase};
    for (int s = 0; s < saves; ++s) {
        train(net, 1);
        MICROPROP_FUZZ_CHECK(net.save_checkpoint(storage) == status::ok);
    }
    std::vector<unsigned char> out = {static_cast<unsigned char>((unit - 1) | static_cast<std::size_t>(shape) << 6),
                                      cut, fraction};
    out.insert(out.end(), f.bytes.begin(), f.bytes.end());
    return out;
}

alignas(vector_alignment) unsigned char arena[1u << 20];

bool network_file(const std::string& path, const network_shape& shape, int steps) {
    Network net;
    MICROPROP_FUZZ_CHECK(Network::create(shape, arena, sizeof arena, &net) == status::ok);
    train(net, steps);
    return write_file(path, model_bytes(net));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s CORPUS_DIR (writes CORPUS_DIR/model and CORPUS_DIR/checkpoint)\n", argv[0]);
        return 2;
    }
    const std::string model = std::string(argv[1]) + "/model/";
    const std::string checkpoint = std::string(argv[1]) + "/checkpoint/";
    bool ok = true;

    // Model files of the four fixed shapes.
    NetA a(11);
    NetB b(12);
    NetC c(13);
    NetD d(14);
    train(a, 3), train(b, 2), train(c, 2), train(d, 1);
    ok &= write_file(model + "fixed_a.mprm", model_bytes(a));
    ok &= write_file(model + "fixed_c.mprm", model_bytes(c));
    ok &= write_file(model + "fixed_d.mprm", model_bytes(d));
    // Shape B with a -0.0 and a subnormal weight, which a load must give back as they are;
    // followed by training data for the harness (inputs, target, a learning rate).
    {
        const layer_params p = b.layer(0);
        std::vector<float> w(p.rows * p.cols), bias(p.rows);
        b.get_layer(0, w.data(), bias.data());
        w[0] = -0.0f;
        w[1] = 1e-45f;
        b.set_layer(0, w.data(), bias.data());
    }
    std::vector<unsigned char> with_tail = model_bytes(b);
    const float tail[] = {0.5f, -1.0f, 2.0f, 0.25f, 1.0f, 0.0f, -3.0f, 0.75f};
    const unsigned char* t = reinterpret_cast<const unsigned char*>(tail);
    with_tail.insert(with_tail.end(), t, t + sizeof tail);
    with_tail.push_back(1);
    ok &= write_file(model + "fixed_b_signed_zero_subnormal_tail.mprm", with_tail);

    // Other shapes: the smallest network, the deepest one, a wide softmax.
    network_shape smallest{1, 1, {{1, activation::identity}}};
    network_shape deepest{3, 8, {{2, activation::relu}, {2, activation::tanh}, {3, activation::sigmoid},
                                 {1, activation::identity}, {2, activation::relu}, {2, activation::tanh},
                                 {2, activation::identity}, {2, activation::sigmoid}}};
    network_shape wide{5, 1, {{20, activation::softmax}}};
    ok &= network_file(model + "smallest.mprm", smallest, 1);
    ok &= network_file(model + "deepest.mprm", deepest, 2);
    ok &= network_file(model + "wide_softmax.mprm", wide, 0);

    // Checkpoint images: write units 1 to 64, one or two checkpoints or none, with and
    // without a power cut in the harness's own save.
    NetA ca(21);
    NetB cb(22);
    NetC cc(23);
    NetD cd(24);
    ok &= write_file(checkpoint + "a_unit1_two.bin", checkpoint_image(ca, 0, 1, 2, 127, 0));
    ok &= write_file(checkpoint + "a_unit4_one_cut2.bin", checkpoint_image(ca, 0, 4, 1, 2, 128));
    ok &= write_file(checkpoint + "a_as_b_mismatch.bin", checkpoint_image(ca, 1, 4, 1, 127, 0));
    ok &= write_file(checkpoint + "b_unit16_two.bin", checkpoint_image(cb, 1, 16, 2, 127, 0));
    ok &= write_file(checkpoint + "b_unit3_empty.bin", checkpoint_image(cb, 1, 3, 0, 127, 0));
    ok &= write_file(checkpoint + "c_unit8_one_cut0.bin", checkpoint_image(cc, 2, 8, 1, 0, 200));
    ok &= write_file(checkpoint + "c_unit64_two.bin", checkpoint_image(cc, 2, 64, 2, 127, 0));
    ok &= write_file(checkpoint + "d_unit4_two_cut1.bin", checkpoint_image(cd, 3, 4, 2, 1, 255));
    ok &= write_file(checkpoint + "d_unit32_three.bin", checkpoint_image(cd, 3, 32, 3, 127, 0));
    if (!ok) std::fprintf(stderr, "make_seeds: could not write every file under %s\n", argv[1]);
    return ok ? 0 : 1;
}
