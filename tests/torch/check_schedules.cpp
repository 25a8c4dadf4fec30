// Learning-rate schedules against torch.optim.lr_scheduler: for each schedule of
// make_schedule_cases.py, learning_rate(schedule, s) against the rate torch's SGD used for
// update s (float64, from the same float32 parameters).
//
// Error: |microprop - torch| / torch. Asserted: at most 1e-5 for the driven steps 0..100;
// at the larger steps (torch's closed forms), at most the larger of 1e-5 and the bound
// schedule.hpp documents, (1 + 2^-24)^k - 1 for k decays of step_decay and exponential. A
// torch rate below the smallest normal float must be 0 here (schedule.hpp flushes it).
// The schedules use no kernel: one run covers every kernel table.
//
// Input: schedules.txt, one record per line:
//   schedule KIND BASE GAMMA STEP_SIZE DECAY PERIOD PERIOD_MULTIPLIER ETA_MIN NAME...
//   rate STEP LR
//   end
// A test tool, so it may allocate.
#include "check_schedules.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "microprop/schedule.hpp"

namespace microprop::torch_check {
namespace {

constexpr double tolerance = 1e-5;
constexpr std::uint64_t driven_steps = 101;  // steps 0..100

struct schedule_case {
    std::string kind, name;
    learning_rate_schedule schedule{};
    std::vector<std::pair<std::uint64_t, double>> rates;  // step, torch's rate
};

bool kind_of(const std::string& name, schedule_kind* kind) {
    static const std::map<std::string, schedule_kind> kinds{
        {"constant", schedule_kind::constant},       {"step_decay", schedule_kind::step_decay},
        {"exponential", schedule_kind::exponential}, {"inverse_time", schedule_kind::inverse_time},
        {"cosine_restarts", schedule_kind::cosine_restarts}};
    const auto found = kinds.find(name);
    if (found == kinds.end()) return false;
    *kind = found->second;
    return true;
}

// The records have fixed fields (only a schedule's name runs to the end of its line), so
// the file is read as one stream of words.
bool read_schedules(const char* path, std::vector<schedule_case>* cases) {
    std::ifstream file(path);
    std::string key;
    while (file >> key) {
        if (key == "schedule") {
            schedule_case c;
            learning_rate_schedule& s = c.schedule;
            file >> c.kind >> s.base >> s.gamma >> s.step_size >> s.decay >> s.period >> s.period_multiplier >>
                s.eta_min;
            std::getline(file >> std::ws, c.name);
            if (!file || !kind_of(c.kind, &s.kind)) break;
            cases->push_back(c);
        } else if (key == "rate" && !cases->empty()) {
            std::uint64_t step = 0;
            double rate = 0;
            if (!(file >> step >> rate)) break;
            cases->back().rates.emplace_back(step, rate);
        } else if (key != "end") {
            break;
        }
    }
    if (!file.eof()) {
        std::fprintf(stderr, "%s: cannot open it, or a bad record before '%s'\n", path, key.c_str());
        return false;
    }
    return !cases->empty();
}

// The documented bound of the rate at `step`, relative: (1 + u)^k - 1 for the k decays of
// step_decay and exponential; the others stay far below 1e-5 (schedule.hpp).
double documented_bound(const learning_rate_schedule& s, std::uint64_t step) {
    std::uint64_t k = 0;
    if (s.kind == schedule_kind::step_decay) k = step / s.step_size;
    if (s.kind == schedule_kind::exponential) k = step;
    return std::expm1(static_cast<double>(k) * std::log1p(std::ldexp(1.0, -24)));
}

double error_of(float mine, double torch) {
    if (torch < static_cast<double>(std::numeric_limits<float>::min()))
        return mine == 0.0f ? 0.0 : std::numeric_limits<double>::infinity();
    return std::fabs(static_cast<double>(mine) - torch) / torch;
}

}  // namespace

bool check_schedules(const char* path) {
    std::vector<schedule_case> cases;
    if (!read_schedules(path, &cases)) {
        std::fprintf(stderr, "%s: no complete schedule read\n", path);
        return false;
    }
    std::printf("learning-rate schedules against torch.optim.lr_scheduler: worst |microprop - torch| / torch\n"
                "(no kernels involved: checked once), asserted <= %.0e for steps 0..%llu, larger steps <= "
                "max(%.0e, documented bound)\n%-52s %-16s %12s %12s %12s\n",
                tolerance, static_cast<unsigned long long>(driven_steps - 1), tolerance, "schedule", "kind",
                "steps 0..100", "larger", "(its bound)");
    bool failed = false;
    std::map<std::string, double> worst_per_kind;
    for (const schedule_case& c : cases) {
        // larger: the error of the larger step nearest its tolerance, and that tolerance.
        double driven = 0, larger = 0, larger_tolerance = tolerance, larger_ratio = -1;
        bool case_failed = !is_valid(c.schedule);
        for (const auto& [step, torch] : c.rates) {
            const double e = error_of(learning_rate(c.schedule, step), torch);
            const double allowed = step < driven_steps ? tolerance : std::fmax(tolerance, documented_bound(c.schedule, step));
            if (!(e <= allowed)) {
                case_failed = true;
                std::printf("  %s: step %llu: microprop %.9g, torch %.17g, error %.2e > %.2e\n", c.name.c_str(),
                            static_cast<unsigned long long>(step),
                            static_cast<double>(learning_rate(c.schedule, step)), torch, e, allowed);
            }
            if (step < driven_steps) {
                driven = std::fmax(driven, e);
            } else if (e / allowed > larger_ratio) {
                larger_ratio = e / allowed;
                larger = e;
                larger_tolerance = allowed;
            }
        }
        double& kind_worst = worst_per_kind[c.kind];
        kind_worst = std::fmax(kind_worst, driven);
        std::printf("%-52s %-16s %12.2e %12.2e %12.2e%s\n", c.name.c_str(), c.kind.c_str(), driven, larger,
                    larger_tolerance, case_failed ? "  FAILED" : "");
        failed = failed || case_failed;
    }
    std::printf("worst over steps 0..%llu per kind:", static_cast<unsigned long long>(driven_steps - 1));
    for (const auto& [kind, worst] : worst_per_kind) std::printf(" %s %.2e;", kind.c_str(), worst);
    std::printf("\n");
    return !failed;
}

}  // namespace microprop::torch_check
