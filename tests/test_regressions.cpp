// Regressions: inputs that once got past a check (found by the fuzzers in fuzz/, by the
// sanitizers or by static analysis), each kept as a test on every platform.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "microprop/microprop.h"
#include "microprop/microprop.hpp"

using namespace microprop;

namespace {

void put_u32(std::vector<unsigned char>& b, std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b[at + i] = static_cast<unsigned char>(v >> (8 * i));
}

// A model file of one identity layer, `inputs` to `outputs`, that declares `declared`
// bytes: header, layer record, (declared - 44) / 4 zero values, a correct CRC.
std::vector<unsigned char> one_layer_file(std::uint32_t inputs, std::uint32_t outputs, std::uint32_t declared) {
    std::vector<unsigned char> b(declared, 0);
    b[0] = 'M', b[1] = 'P', b[2] = 'R', b[3] = 'M';
    b[4] = 1;  // version
    b[6] = static_cast<unsigned char>(loss_kind::squared_error);
    put_u32(b, 8, declared);
    put_u32(b, 12, inputs);
    put_u32(b, 16, 1);  // layer count
    put_u32(b, 32, outputs);
    b[36] = static_cast<unsigned char>(activation::identity);
    put_u32(b, declared - 4, crc32(b.data(), declared - 4));
    return b;
}

}  // namespace

// A layer of 2^24 inputs and 256 outputs has 2^32 weights: its file size, computed in a
// 32-bit size_t, wraps to 44 + 256 * 4 bytes. A file declaring that size, with a valid CRC,
// used to pass every check on 32-bit targets (the Cortex-M boards) and describe a network
// whose storage size wraps as well. A reader now computes the size a file's shape implies in 64 bits.
TEST_CASE("regression: a file whose implied size wraps a 32-bit size_t is invalid") {
    const std::uint32_t wrapped = 32 + 8 + 4 + 256u * 4u;
    const std::vector<unsigned char> file = one_layer_file(1u << 24, 256, wrapped);
    network_shape shape{};
    CHECK(read_model_shape(file.data(), file.size(), &shape) == status::model_invalid);

    Mlp<2, Dense<2, Identity>> net(1);
    CHECK(net.load(file.data(), file.size()) == status::model_invalid);
    Network from_file;
    std::size_t required = 0;
    CHECK(Network::create_from_model(file.data(), file.size(), nullptr, 0, &from_file, &required) ==
          status::model_invalid);
    CHECK_FALSE(from_file.valid());

    // The same construction with a size that does not wrap is a valid file.
    const std::vector<unsigned char> fine = one_layer_file(3, 2, 32 + 8 + 4 + (3 * 2 + 2) * 4);
    CHECK(read_model_shape(fine.data(), fine.size(), &shape) == status::ok);
    CHECK(shape.inputs == 3);
}

// The same wrap in a network's storage: footprint_of() of a 65536 x 65536 layer wrapped to
// about 1.3 MB on 32-bit targets, so create() would lay it out in a buffer that small and
// attach() would accept such a shape read back from retained RAM. check_shape() now
// refuses a shape whose storage size_t cannot hold; where it can (64-bit), the size asked
// for is the true one.
TEST_CASE("regression: a shape whose storage wraps size_t is refused, not laid out") {
    const network_shape huge{65536, 1, {{65536, activation::identity}}};
    std::size_t required = 0;
    Network net;
    const status s = Network::create(huge, nullptr, 0, &net, &required);
    if (sizeof(std::size_t) < 8) {
        CHECK(s == status::invalid_shape);
    } else {
        CHECK(s == status::buffer_too_small);
        CHECK(required >= std::uint64_t{65536} * 65536 * sizeof(float));
    }
    CHECK_FALSE(net.valid());
}

// The C API test passes an activation of 17 (any int is a valid mp_activation in C);
// to_shape() loaded it as the C++ enumeration, undefined behaviour that UBSan stopped at
// (sanitize preset). The field is now read as its underlying integer.
TEST_CASE("regression: an out-of-range activation from C is refused without loading it as an enum") {
    mp_layer layers[2] = {{12, MP_SIGMOID}, {4, MP_SOFTMAX}};
    // The enumeration's size is the ABI's (an int on the host, a byte on arm-none-eabi,
    // whose enums are short): the values are written as its underlying integer.
    using raw = std::underlying_type_t<mp_activation>;
    const raw seventeen = 17, all_ones = static_cast<raw>(-1);
    std::memcpy(&layers[0].activation, &seventeen, sizeof seventeen);  // what C code may store
    std::size_t need = 0;
    CHECK(mp_required_size(6, layers, 2, &need) == MP_INVALID_SHAPE);
    std::memcpy(&layers[0].activation, &all_ones, sizeof all_ones);
    CHECK(mp_required_size(6, layers, 2, &need) == MP_INVALID_SHAPE);
}
