// Model files: a network's shape, training count and parameters in a versioned byte
// format, the same bytes on every platform (docs/model-format.md). Networks save and load
// themselves with save() / load() (network.hpp); this header adds what works on the bytes
// alone: the size a shape needs, reading the shape a file holds, and the checksum.
#pragma once

#include <cstddef>
#include <cstdint>

#include "microprop/network.hpp"
#include "microprop/status.hpp"

namespace microprop {

inline constexpr std::uint16_t model_format_version = 1;

// Size of the fixed header and of each layer record, in bytes (see docs/model-format.md).
inline constexpr std::size_t model_header_bytes = 32;
inline constexpr std::size_t model_layer_record_bytes = 8;

// Bytes of the model file of a network of this shape: header, layer records, weights
// (rows x cols, no padding) and biases as 32-bit floats, and the CRC-32. Computed in 64
// bits: on a 32-bit target the size of a 65536 x 65536 layer would wrap a size_t.
constexpr std::uint64_t model_file_size(const network_shape& shape) {
    std::uint64_t bytes = model_header_bytes + std::uint64_t{shape.layer_count} * model_layer_record_bytes + 4;
    std::uint64_t cols = shape.inputs;
    for (std::uint32_t l = 0; l < shape.layer_count && l < max_layers; ++l) {
        bytes += (shape.layers[l].outputs * cols + shape.layers[l].outputs) * 4;
        cols = shape.layers[l].outputs;
    }
    return bytes;
}

// The largest model file the format can describe: its size field is 32 bits. save() and
// save_checkpoint() refuse larger shapes with model_too_large before writing anything.
inline constexpr std::uint64_t model_file_max_size = 0xFFFFFFFFu;

// Checks a model file's size, magic, version, CRC and shape fields (not its values) and
// writes the shape it describes (mode: online). The statuses are those of load().
status read_model_shape(const void* data, std::size_t size, network_shape* shape);

// CRC-32 (the IEEE 802.3 / zlib polynomial, reflected, initial and final XOR 0xFFFFFFFF),
// continued from `crc` (0 to start): crc32(b, n2, crc32(a, n1)) == crc32(a followed by b).
std::uint32_t crc32(const void* data, std::size_t size, std::uint32_t crc = 0);

}  // namespace microprop
