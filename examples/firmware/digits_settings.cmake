# The digits run, one definition for the host demo (examples/CMakeLists.txt: the
# `microprop train` command line) and the firmware (examples/firmware/CMakeLists.txt:
# compile definitions of digits_online.cpp): a 64-32-10 sigmoid/softmax network trained
# online, test-then-train, on examples/data/digits-train.csv, then tested on
# examples/data/digits-test.csv.
set(MICROPROP_DIGITS_SEED 1)
set(MICROPROP_DIGITS_ETA 0.1)
set(MICROPROP_DIGITS_EPOCHS 3)
