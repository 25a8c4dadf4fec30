#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "tool.hpp"

namespace microprop::cli {

std::string where(const std::string& path, std::size_t line, std::size_t column) {
    std::string s = path + ": line " + std::to_string(line);
    if (column != 0) s += ", column " + std::to_string(column);
    return s + ": ";
}

std::string read_file(const std::string& path) {
    const bool standard_input = path == "-";
    std::FILE* f = standard_input ? stdin : std::fopen(path.c_str(), "rb");
    if (f == nullptr) throw failure(path + ": cannot open: " + std::strerror(errno));
    std::string bytes;
    char chunk[1 << 16];
    std::size_t n;
    while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0) bytes.append(chunk, n);
    // fopen succeeds on a directory; the read is what fails (EISDIR).
    const int error = std::ferror(f) ? errno : 0;
    if (!standard_input) std::fclose(f);
    if (error != 0) throw failure(path + ": cannot read: " + std::strerror(error));
    return bytes;
}

output_file::output_file(std::string path) : path_(std::move(path)) {
    const std::size_t slash = path_.rfind('/');
    const std::string directory = slash == std::string::npos ? "" : path_.substr(0, slash + 1);
    const std::string name = slash == std::string::npos ? path_ : path_.substr(slash + 1);
    if (name.empty()) throw failure(path_ + ": not a file name");
    // Hidden and in the same directory, so rename() replaces the file in one step.
    temporary_ = directory + "." + name + ".tmp-XXXXXX";
    fd_ = ::mkstemp(temporary_.data());
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
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw failure(path_ + ": cannot write: " + std::strerror(errno));
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

void output_file::commit() {
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) throw failure(path_ + ": cannot write: " + std::strerror(errno));
    if (std::rename(temporary_.c_str(), path_.c_str()) != 0)
        throw failure(path_ + ": cannot replace: " + std::strerror(errno));
    temporary_.clear();
}

}  // namespace microprop::cli
