// Model files as streams: the model-file code reads through a model_source (a buffer, or
// storage callbacks for checkpoints) and writes through a model_sink, a few dozen bytes
// at a time, so a checkpoint of a 400 KB model needs no 400 KB of RAM. Private to the
// library (lib/model_file.cpp, lib/checkpoint.cpp).
#pragma once

#include <cstddef>
#include <cstdint>

#include "microprop/model_file.hpp"
#include "microprop/network.hpp"

namespace microprop::detail {

// Random-access reads of a model file's bytes.
struct model_source {
    const unsigned char* memory;  // the bytes, or null to go through `read`
    bool (*read)(void* context, std::size_t offset, void* out, std::size_t size);
    void* context;
    std::size_t size;  // bytes available (a file may be shorter; never longer)

    bool get(std::size_t offset, void* out, std::size_t n) const;
};

// Sequential writes: `write` receives the file in order, in pieces of any size.
struct model_sink {
    bool (*write)(void* context, const void* data, std::size_t size);
    void* context;
};

// Validates a whole file (statuses as documented in docs/model-format.md; storage_failed
// if a read fails) and returns its shape and step count. Writes nothing else.
status check_model(const model_source& source, network_shape* shape, std::uint64_t* steps);

// check_model, the shape check against `net`, then the copy into `net`.
status load_model_from(const network_ref& net, const model_source& source);

// Streams the model file of `net` to the sink (storage_failed if a write fails).
status save_model_to(const network_ref& net, const model_sink& sink);

// not_a_network for an empty handle, model_too_large if the shape's model file exceeds
// model_file_max_size (its size field is 32 bits), else ok: checked before any save.
status check_representable(const network_ref& net);

}  // namespace microprop::detail
