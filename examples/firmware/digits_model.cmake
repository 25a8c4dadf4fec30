# The model the flash firmware (digits_flash.c) predicts with, and how it was made, so the
# host test (examples/CMakeLists.txt, firmware_model_header) and the board test
# (examples/firmware/CMakeLists.txt, digits_flash) check the same facts.
#
# digits_model.mpm was trained on the host with the portable scalar kernels (the same
# bits on every machine, and those of the Cortex-M3 firmware), from the source directory:
#   MICROPROP_KERNELS=scalar build/host/tools/cli/microprop train --data examples/data/digits-train.csv \
#     --layers 64,32,10 --hidden sigmoid --output softmax --eta 0.1 --epochs 3 --seed 1 \
#     --save examples/firmware/digits_model.mpm
# digits_model.h is its export for Cortex-M (rows padded to 4 floats):
set(MICROPROP_DIGITS_MODEL_EXPORT export --model examples/firmware/digits_model.mpm --c-header
    --name digits --row-floats 4)
# `microprop eval --model examples/firmware/digits_model.mpm --data examples/data/digits-test.csv`:
# held-out digits classified correctly, of 300.
set(MICROPROP_DIGITS_MODEL_HITS 289)
set(MICROPROP_DIGITS_MODEL_TOTAL 300)
# The same as eval prints it: "accuracy: 96.33%".
math(EXPR microprop_digits_hundredths
  "(${MICROPROP_DIGITS_MODEL_HITS} * 20000 + ${MICROPROP_DIGITS_MODEL_TOTAL}) / (2 * ${MICROPROP_DIGITS_MODEL_TOTAL})")
math(EXPR microprop_digits_units "${microprop_digits_hundredths} / 100")
math(EXPR microprop_digits_cents "${microprop_digits_hundredths} % 100")
if(microprop_digits_cents LESS 10)
  set(microprop_digits_cents 0${microprop_digits_cents})
endif()
set(MICROPROP_DIGITS_MODEL_ACCURACY "${microprop_digits_units}.${microprop_digits_cents}%")
