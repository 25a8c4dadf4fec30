// microprop: multilayer perceptrons that learn on the device, one sample at a time.
// Include this one header for the whole C++ API.
#pragma once

#include "microprop/checkpoint.hpp"
#include "microprop/config.hpp"
#include "microprop/flash_network.hpp"
#include "microprop/frozen_backbone.hpp"
#include "microprop/kernels.hpp"
#include "microprop/mlp.hpp"
#include "microprop/model_file.hpp"
#include "microprop/network.hpp"
#include "microprop/schedule.hpp"
#include "microprop/status.hpp"
