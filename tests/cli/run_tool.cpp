// Runs a command for cli_cases.sh in ways a shell cannot:
//   run_tool default-signals COMMAND...  runs COMMAND with SIGINT, SIGTERM, SIGHUP and
//       SIGPIPE at their default dispositions (a shell's background job ignores SIGINT),
//       replacing this process, so `kill $!` reaches COMMAND itself;
//   run_tool peak-rss REPORT COMMAND...  runs COMMAND, then writes "<peak RSS in KiB>
//       <seconds>" to REPORT (getrusage of the child: no /usr/bin/time needed) and exits
//       with COMMAND's status (128 + the signal if a signal ended it).
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <initializer_list>

namespace {

void default_signals() {
    for (const int s : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) std::signal(s, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
}

int usage() {
    std::fprintf(stderr, "usage: run_tool default-signals COMMAND... | run_tool peak-rss REPORT COMMAND...\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) return usage();
    if (std::strcmp(argv[1], "default-signals") == 0) {
        default_signals();
        execvp(argv[2], argv + 2);
        std::perror(argv[2]);
        return 127;
    }
    if (std::strcmp(argv[1], "peak-rss") != 0 || argc < 4) return usage();
    const auto start = std::chrono::steady_clock::now();
    const pid_t child = fork();
    if (child < 0) {
        std::perror("fork");
        return 1;
    }
    if (child == 0) {
        default_signals();
        execvp(argv[3], argv + 3);
        std::perror(argv[3]);
        _exit(127);
    }
    int status = 0;
    rusage usage_of_child{};
    while (wait4(child, &status, 0, &usage_of_child) < 0) {
        if (errno != EINTR) {
            std::perror("wait4");
            return 1;
        }
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::FILE* report = std::fopen(argv[2], "w");
    if (report == nullptr) {
        std::perror(argv[2]);
        return 1;
    }
    std::fprintf(report, "%ld %.3f\n", usage_of_child.ru_maxrss, seconds);  // Linux: ru_maxrss in KiB
    std::fclose(report);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
