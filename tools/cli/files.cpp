// Files of the tool: data inputs read as streams, model files read after a size check,
// outputs replaced all at once.
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "microprop/model_file.hpp"
#include "tool.hpp"

namespace microprop::cli {

namespace {

std::string system_error(const std::string& path, const char* what, int error) {
    return path + ": " + what + ": " + std::strerror(error);
}

// Reads until `size` bytes or the end of the file; the count.
std::size_t read_fully(int fd, char* data, std::size_t size, const std::string& path) {
    std::size_t done = 0;
    while (done < size) {
        const ssize_t n = ::read(fd, data + done, size - done);
        if (n < 0 && errno == EINTR) {
            check_interrupt();
            continue;
        }
        if (n < 0) throw failure(system_error(path, "cannot read", errno));
        if (n == 0) break;
        done += static_cast<std::size_t>(n);
    }
    return done;
}

// open(2) for reading; opening a FIFO waits for its writer, and a stop signal then
// interrupts the run rather than failing the open.
int open_for_reading(const std::string& path) {
    for (;;) {
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd >= 0 || errno != EINTR) return fd;
        check_interrupt();
    }
}

std::uint32_t get_u32(const char* p) {
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(p[i]);
    return v;
}

}  // namespace

std::string where(const std::string& path, std::size_t line, std::size_t column) {
    std::string s = path + ": line " + std::to_string(line);
    if (column != 0) s += ", column " + std::to_string(column);
    return s + ": ";
}

// --- input files -----------------------------------------------------------------------

input_file::input_file(const std::string& path) : path_(path == "-" ? "standard input" : path) {
    if (path == "-") {
        fd_ = STDIN_FILENO;
    } else {
        fd_ = open_for_reading(path);
        if (fd_ < 0) throw failure(system_error(path_, "cannot open", errno));
        owned_ = true;
    }
    struct stat st {};
    if (::fstat(fd_, &st) != 0) {
        const int error = errno;
        if (owned_) ::close(fd_);
        throw failure(system_error(path_, "cannot read", error));
    }
    if (S_ISDIR(st.st_mode)) {
        if (owned_) ::close(fd_);
        throw failure(path_ + ": is a directory");
    }
    regular_ = S_ISREG(st.st_mode);
    size_ = regular_ ? static_cast<std::uint64_t>(st.st_size) : 0;
    if (::pipe(cancel_pipe_) != 0) {
        const int error = errno;
        if (owned_) ::close(fd_);
        throw failure(system_error(path_, "cannot read", error));
    }
    for (const int fd : cancel_pipe_) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
}

input_file::~input_file() {
    if (owned_) ::close(fd_);
    for (const int fd : cancel_pipe_) ::close(fd);
}

void input_file::cancel() {
    const char byte = 0;
    [[maybe_unused]] const ssize_t ignored = ::write(cancel_pipe_[1], &byte, 1);
}

std::size_t input_file::read(char* data, std::size_t capacity) {
    // A regular file never makes a read wait; anything else (a pipe, a terminal, a
    // socket) may: first see whether data is there, and if not, let the caller use what
    // it has, then wait for data or for cancel().
    if (!regular_) {
        pollfd fds[3] = {{fd_, POLLIN, 0}, {cancel_pipe_[0], POLLIN, 0}, {stop_signal_fd(), POLLIN, 0}};
        const nfds_t count = fds[2].fd >= 0 ? 3 : 2;
        int ready = ::poll(fds, count, 0);
        if (ready == 0 && on_wait_) on_wait_();
        while (ready == 0 || (ready < 0 && errno == EINTR)) {
            check_interrupt();
            ready = ::poll(fds, count, -1);
        }
        if (ready < 0) throw failure(system_error(path_, "cannot read", errno));
        if (fds[1].revents != 0) throw cancelled{};
        if (count == 3 && fds[2].revents != 0) check_interrupt();
    }
    for (;;) {
        const ssize_t n = ::read(fd_, data, capacity);
        if (n >= 0) return static_cast<std::size_t>(n);
        if (errno == EINTR) continue;
        // fopen-style surprises: EISDIR is caught at open; anything else is the device's.
        throw failure(system_error(path_, "cannot read", errno));
    }
}

void input_file::rewind() {
    if (!regular_ || ::lseek(fd_, 0, SEEK_SET) != 0)
        throw failure(path_ + ": cannot read it again from the start (not a regular file)");
}

// --- model files -----------------------------------------------------------------------

std::string read_model_file(const std::string& path) {
    const int fd = open_for_reading(path);
    if (fd < 0) throw failure(system_error(path, "cannot open", errno));
    struct closer {
        int fd;
        ~closer() { ::close(fd); }
    } close_at_end{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) throw failure(system_error(path, "cannot read", errno));
    if (S_ISDIR(st.st_mode)) throw failure(path + ": is a directory");

    // The header alone says whether this is a model file and how long it is.
    std::string bytes(model_header_bytes, '\0');
    bytes.resize(read_fully(fd, bytes.data(), bytes.size(), path));
    if (bytes.size() < model_header_bytes) return bytes;  // load() says: truncated
    const status s = read_model_shape(bytes.data(), bytes.size(), nullptr);
    if (s == status::model_bad_magic || s == status::model_unsupported_version)
        throw failure(path + ": " + status_message(s));
    const std::uint32_t declared = get_u32(bytes.data() + 8);  // docs/model-format.md: file size
    if (declared <= model_header_bytes) return bytes;          // load() says: damaged
    if (S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) < declared)
        throw failure(path + ": " + status_message(status::model_truncated) + " (" + std::to_string(st.st_size) +
                      " bytes, the header says " + std::to_string(declared) + ")");
    // The rest, never more than declared; in steps, so a pipe that ends early costs only
    // what it sent.
    constexpr std::size_t step = std::size_t{1} << 24;
    while (bytes.size() < declared) {
        const std::size_t want = declared - bytes.size() < step ? declared - bytes.size() : step;
        const std::size_t had = bytes.size();
        bytes.resize(had + want);
        const std::size_t got = read_fully(fd, bytes.data() + had, want, path);
        bytes.resize(had + got);
        if (got < want) break;  // load() says: truncated
    }
    return bytes;
}

// --- outputs ---------------------------------------------------------------------------

void check_output_path(const std::string& option, const std::string& path) {
    if (path.empty()) throw usage_error(option + " needs a file name");
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
        throw usage_error(option + " " + path + ": is a directory; give a file name");
    if (path.back() == '/') throw usage_error(option + " " + path + ": not a file name");
}

output_file::output_file(std::string path) : path_(std::move(path)) {
    const std::size_t slash = path_.rfind('/');
    const std::string directory = slash == std::string::npos ? "" : path_.substr(0, slash + 1);
    const std::string name = slash == std::string::npos ? path_ : path_.substr(slash + 1);
    if (name.empty()) throw failure(path_ + ": not a file name");
    // Hidden and in the same directory, so rename() replaces the file in one step.
    temporary_ = directory + "." + name + ".tmp-XXXXXX";
    fd_ = ::mkostemp(temporary_.data(), O_CLOEXEC);
    if (fd_ < 0) {
        const int error = errno;
        temporary_.clear();
        throw failure(path_ + ": cannot create a file in " + (directory.empty() ? "." : directory) + ": " +
                      std::strerror(error));
    }
    // mkstemp creates the file private (0600); give it the permissions of a new file.
    const mode_t mask = ::umask(0);
    ::umask(mask);
    ::fchmod(fd_, 0666 & ~mask);
}

output_file::~output_file() {
    if (fd_ >= 0) ::close(fd_);
    if (!temporary_.empty()) ::unlink(temporary_.c_str());
}

void output_file::write(std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) {
            check_interrupt();
            continue;
        }
        if (n <= 0) throw failure(system_error(path_, "cannot write", errno));
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

void output_file::commit() {
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) throw failure(system_error(path_, "cannot write", errno));
    // The last moment a stop signal can cancel the run: checked with the signals held
    // back, so none slips in between the check and the rename.
    const stop_signals_blocked held;
    check_interrupt();
    if (std::rename(temporary_.c_str(), path_.c_str()) != 0) throw failure(system_error(path_, "cannot replace", errno));
    temporary_.clear();
}

text_writer::text_writer(output_file* file) : file_(file) {
    buffer_.reserve(block + 256);
    if (file_ == nullptr) flush_standard_output();  // what printf wrote before comes first
}

void text_writer::flush() {
    check_interrupt();
    if (file_ != nullptr) {
        file_->write(buffer_);
    } else {
        std::string_view rest = buffer_;
        while (!rest.empty()) {
            const ssize_t n = ::write(STDOUT_FILENO, rest.data(), rest.size());
            if (n < 0 && errno == EINTR) {
                check_interrupt();
                continue;
            }
            if (n <= 0) throw failure(std::string("cannot write to standard output: ") + std::strerror(errno));
            rest.remove_prefix(static_cast<std::size_t>(n));
        }
    }
    buffer_.clear();
}

}  // namespace microprop::cli
