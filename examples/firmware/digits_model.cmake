# The model the flash firmware (digits_flash.c) predicts with and how it was made, so that
# the host test firmware_model_files (examples/CMakeLists.txt) and the board tests
# (examples/firmware/CMakeLists.txt: digits_flash, digits_online) check the same facts.
include(${CMAKE_CURRENT_LIST_DIR}/digits_settings.cmake)

# digits_model.mpm: the demo's training (digits_settings.cmake) with the portable scalar
# kernels, whose bits are the same on every machine and on the boards that run them (the
# Cortex-M3 firmware learns this very file). From the source directory:
#   MICROPROP_KERNELS=scalar build/host/tools/cli/microprop <MICROPROP_DIGITS_MODEL_TRAIN>
set(MICROPROP_DIGITS_MODEL_TRAIN train --data examples/data/digits-train.csv --layers 64,32,10
    --hidden sigmoid --output softmax --eta ${MICROPROP_DIGITS_ETA} --epochs ${MICROPROP_DIGITS_EPOCHS}
    --seed ${MICROPROP_DIGITS_SEED} --no-progress --save examples/firmware/digits_model.mpm)
# digits_model.h: its export for Cortex-M (rows padded to 4 floats), from the source directory:
#   build/host/tools/cli/microprop <MICROPROP_DIGITS_MODEL_EXPORT> -o examples/firmware/digits_model.h
set(MICROPROP_DIGITS_MODEL_EXPORT export --model examples/firmware/digits_model.mpm --c-header
    --name digits --row-floats 4)

# `microprop eval --model examples/firmware/digits_model.mpm --data examples/data/digits-test.csv`:
# held-out digits classified correctly, of 300, and the accuracy as eval prints it.
set(MICROPROP_DIGITS_MODEL_HITS 289)
set(MICROPROP_DIGITS_MODEL_TOTAL 300)
# "96.33%": hits of total as the tool prints an accuracy.
function(microprop_digits_accuracy hits total out)
  math(EXPR hundredths "(${hits} * 20000 + ${total}) / (2 * ${total})")
  math(EXPR units "${hundredths} / 100")
  math(EXPR cents "${hundredths} % 100")
  if(cents LESS 10)
    set(cents 0${cents})
  endif()
  set(${out} "${units}.${cents}%" PARENT_SCOPE)
endfunction()
microprop_digits_accuracy(${MICROPROP_DIGITS_MODEL_HITS} ${MICROPROP_DIGITS_MODEL_TOTAL} MICROPROP_DIGITS_MODEL_ACCURACY)

# The adaptation demo's head-only run from this model (docs/fine-tuning.md): shifted held-out
# digits classified correctly, of 300, after the output layer learned the shifted stream,
# as digits_adapt.cpp must reproduce on the board and the host test adapt_head_reference
# checks with the tool (from the shifted files of the test adapt_demo):
#   microprop train --init examples/firmware/digits_model.mpm --freeze 1 <the digits settings>
#     --data adapt-stream.csv --test adapt-test.csv
set(MICROPROP_DIGITS_ADAPT_HITS 240)
microprop_digits_accuracy(${MICROPROP_DIGITS_ADAPT_HITS} ${MICROPROP_DIGITS_MODEL_TOTAL} MICROPROP_DIGITS_ADAPT_ACCURACY)
