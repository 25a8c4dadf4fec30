// The process around the work: standard descriptors, stop signals, standard output.
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

#include "tool.hpp"

namespace microprop::cli {

namespace {

// Written by the handler, read by both threads: a lock-free atomic (async-signal-safe).
std::atomic<int> received{0};
static_assert(std::atomic<int>::is_always_lock_free, "the stop flag must be lock-free");
int signal_pipe[2] = {-1, -1};
constexpr int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};

void on_stop_signal(int number) {
    int none = 0;
    received.compare_exchange_strong(none, number, std::memory_order_relaxed);
    const int saved = errno;
    const char byte = 0;
    [[maybe_unused]] const ssize_t ignored = ::write(signal_pipe[1], &byte, 1);  // non-blocking; one byte suffices
    errno = saved;
}

const char* signal_name(int number) {
    switch (number) {
        case SIGINT: return "SIGINT";
        case SIGTERM: return "SIGTERM";
        case SIGHUP: return "SIGHUP";
        default: return "a signal";
    }
}

sigset_t stop_set() {
    sigset_t set;
    sigemptyset(&set);
    for (const int s : stop_signals) sigaddset(&set, s);
    return set;
}

}  // namespace

interrupted::interrupted(int signal_number)
    : std::runtime_error(std::string("interrupted by ") + signal_name(signal_number) + "; nothing saved"),
      signal(signal_number) {}

void prepare_process() {
    // A closed descriptor 0, 1 or 2 would be the next file opened: /dev/null takes it.
    for (int fd = 0; fd <= 2; ++fd) {
        if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
        const int opened = ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
        if (opened >= 0 && opened != fd) {
            ::dup2(opened, fd);
            ::close(opened);
        }
    }
    std::signal(SIGPIPE, SIG_IGN);
    if (::pipe(signal_pipe) == 0) {
        for (const int fd : signal_pipe) {
            ::fcntl(fd, F_SETFD, FD_CLOEXEC);
            ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
        }
    }
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    action.sa_mask = stop_set();
    action.sa_flags = 0;  // no SA_RESTART: a write blocked on a full pipe returns, and the work sees the flag
    for (const int s : stop_signals) {
        struct sigaction previous {};
        ::sigaction(s, nullptr, &previous);
        if (previous.sa_handler == SIG_IGN) continue;  // nohup, a background job: stay ignored
        ::sigaction(s, &action, nullptr);
    }
}

int stop_signal() { return received.load(std::memory_order_relaxed); }

void check_interrupt() {
    const int number = received.load(std::memory_order_relaxed);
    if (number != 0) throw interrupted(number);
}

int stop_signal_fd() { return signal_pipe[0]; }

stop_signals_blocked::stop_signals_blocked() {
    static_assert(sizeof(sigset_t) <= sizeof saved_, "sigset_t larger than expected");
    const sigset_t set = stop_set();
    sigset_t previous;
    ::pthread_sigmask(SIG_BLOCK, &set, &previous);
    std::memcpy(saved_, &previous, sizeof previous);
}

stop_signals_blocked::~stop_signals_blocked() {
    sigset_t previous;
    std::memcpy(&previous, saved_, sizeof previous);
    ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

void flush_standard_output() {
    if (std::fflush(stdout) == 0 && !std::ferror(stdout)) return;
    const int error = errno;
    check_interrupt();
    throw failure(std::string("cannot write to standard output: ") + std::strerror(error));
}

void print_line(const char* text) {
    if (std::fputs(text, stdout) < 0 || std::fputc('\n', stdout) < 0) {
        const int error = errno;
        check_interrupt();
        throw failure(std::string("cannot write to standard output: ") + std::strerror(error));
    }
}

}  // namespace microprop::cli
