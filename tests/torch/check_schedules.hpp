// The schedule half of the PyTorch agreement test: see check_schedules.cpp.
#pragma once

namespace microprop::torch_check {

// Reads schedules.txt (make_schedule_cases.py), compares learning_rate() with torch's rate
// at every step it lists, prints the worst relative error per schedule kind; true when
// every rate is within its tolerance.
bool check_schedules(const char* path);

}  // namespace microprop::torch_check
