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
math(EXPR microprop_digits_hundredths
  "(${MICROPROP_DIGITS_MODEL_HITS} * 20000 + ${MICROPROP_DIGITS_MODEL_TOTAL}) / (2 * ${MICROPROP_DIGITS_MODEL_TOTAL})")
math(EXPR microprop_digits_units "${microprop_digits_hundredths} / 100")
math(EXPR microprop_digits_cents "${microprop_digits_hundredths} % 100")
if(microprop_digits_cents LESS 10)
  set(microprop_digits_cents 0${microprop_digits_cents})
endif()
set(MICROPROP_DIGITS_MODEL_ACCURACY "${microprop_digits_units}.${microprop_digits_cents}%")
