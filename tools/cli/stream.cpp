// A sample_reader on its own thread, handing batches of samples to the thread that
// trains (tool.hpp: sample_stream).
#include <chrono>
#include <new>

#include "tool.hpp"

namespace microprop::cli {

namespace {

constexpr std::size_t batch_count = 4;
constexpr std::size_t batch_bytes = std::size_t{1} << 18;  // 256 KiB of samples
constexpr std::size_t most_rows = 4096;

}  // namespace

sample_stream::sample_stream(sample_reader& reader, std::size_t epochs) : reader_(reader), epochs_(epochs) {
    const sample_layout& layout = reader.layout();
    const std::size_t per_sample = sizeof(float) * (layout.inputs + layout.target_values()) +
                                   sizeof(std::uint32_t) + sizeof(std::size_t);
    rows_per_batch_ = batch_bytes / per_sample;
    if (rows_per_batch_ < 1) rows_per_batch_ = 1;
    if (rows_per_batch_ > most_rows) rows_per_batch_ = most_rows;
    batches_.resize(batch_count);
    for (sample_batch& b : batches_) {
        b.stride_x = layout.inputs;
        b.stride_t = layout.target_values();
        b.inputs.resize(rows_per_batch_ * b.stride_x);
        b.targets.resize(rows_per_batch_ * b.stride_t);
        b.labels.resize(rows_per_batch_);
        b.lines.resize(rows_per_batch_);
        free_.push_back(&b);
    }
    ready_.reserve(batch_count);
    // A live pipe: what is parsed goes to the trainer before the reader waits for more.
    reader_.file().on_wait([this] { publish(); });
    const stop_signals_blocked only_main_thread_takes_signals;
    thread_ = std::thread(&sample_stream::run, this);
}

sample_stream::~sample_stream() {
    {
        const std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    reader_.file().cancel();
    thread_.join();
    reader_.file().on_wait(nullptr);
}

sample_batch* sample_stream::take_free() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [this] { return stopping_ || !free_.empty(); });
    if (stopping_) return nullptr;
    sample_batch* b = free_.back();
    free_.pop_back();
    b->count = 0;
    return b;
}

// Hands the batch being filled to the trainer, if it holds any sample.
void sample_stream::publish() {
    if (filling_ == nullptr || filling_->count == 0) return;
    filling_->bytes = reader_.bytes_read();
    {
        const std::lock_guard<std::mutex> lock(mutex_);
        ready_.push_back(filling_);
    }
    changed_.notify_all();
    filling_ = nullptr;
}

void sample_stream::produce() {
    for (std::size_t epoch = 0; epoch < epochs_; ++epoch) {
        if (epoch != 0) reader_.rewind();
        while (reader_.advance()) {
            if (filling_ == nullptr && (filling_ = take_free()) == nullptr) return;  // stopping
            sample_batch& b = *filling_;
            b.epoch = epoch;
            const std::size_t i = b.count;
            reader_.store(b.inputs.data() + i * b.stride_x, b.targets.data() + i * b.stride_t, &b.labels[i],
                          &b.lines[i]);
            if (++b.count == rows_per_batch_) publish();
        }
        publish();  // batches never span two passes
    }
}

void sample_stream::run() {
    std::string error;
    bool out_of_memory = false;
    try {
        produce();
    } catch (const input_file::cancelled&) {
    } catch (const interrupted&) {  // the main thread sees the signal too, and stops
    } catch (const std::bad_alloc&) {
        out_of_memory = true;
    } catch (const std::exception& e) {
        error = e.what();
    }
    // The samples before a problem are the trainer's, then the problem.
    publish();
    {
        const std::lock_guard<std::mutex> lock(mutex_);
        finished_ = true;
        error_ = std::move(error);
        out_of_memory_ = out_of_memory;
    }
    changed_.notify_all();
}

sample_batch* sample_stream::next(bool wait) {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
        if (!ready_.empty()) {
            sample_batch* b = ready_.front();
            ready_.erase(ready_.begin());
            return b;
        }
        if (finished_) {
            check_interrupt();
            if (out_of_memory_) throw std::bad_alloc();
            if (!error_.empty()) throw failure(error_);
            return nullptr;
        }
        if (!wait) return nullptr;
        check_interrupt();
        // Woken by the reader; every 50 ms anyway, to see a stop signal.
        const auto start = std::chrono::steady_clock::now();
        changed_.wait_for(lock, std::chrono::milliseconds(50));
        waiting_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
}

void sample_stream::release(sample_batch* batch) {
    {
        const std::lock_guard<std::mutex> lock(mutex_);
        free_.push_back(batch);
    }
    changed_.notify_all();
}

}  // namespace microprop::cli
