# Writes a C header (usable from C and C++) holding a digits CSV of examples/data as const
# arrays for flash, so the firmware images read the same samples as the host tools:
#   cmake -DCSV=examples/data/digits-train.csv -DOUT=digits_train.h -DNAME=digits_train -P digits_data.cmake
# Each pixel of the CSV is k/16 written as its shortest decimal (examples/data/README.md);
# the header stores k (0..16) as one byte, so a sample takes 64 bytes of flash and
# k / 16.0f gives back the CSV's value exactly. Any other value, a row with another number
# of columns, or a label outside 0..9 stops the build with the line it is on.
foreach(var IN ITEMS CSV OUT NAME)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "digits_data.cmake: -D${var}=... is required")
  endif()
endforeach()

# The 15 fractions k/16 strictly between 0 and 1, as the CSV writes them ("0" and "1" are
# handled first: 1 becomes 16).
set(fractions 0.0625 0.125 0.1875 0.25 0.3125 0.375 0.4375 0.5 0.5625 0.625 0.6875 0.75
              0.8125 0.875 0.9375)

file(STRINGS ${CSV} rows)
list(POP_FRONT rows header)
if(NOT header MATCHES "^p0,.*,p63,label$")
  message(FATAL_ERROR "${CSV}: line 1: expected the header p0,...,p63,label")
endif()

set(pixels "")
set(labels "")
set(count 0)
set(line 1)
foreach(row IN LISTS rows)
  math(EXPR line "${line} + 1")
  if(NOT row MATCHES "^(.*),([0-9])$")
    message(FATAL_ERROR "${CSV}: line ${line}: the last column is not a digit 0..9")
  endif()
  set(label ${CMAKE_MATCH_2})
  # Every value between commas, so that a replacement matches whole values only. A
  # replacement consumes the comma after its value, so the next value, if equal, is
  # missed: two passes catch it.
  set(values ",${CMAKE_MATCH_1},")
  string(REGEX MATCHALL "," commas "${values}")
  list(LENGTH commas columns)
  if(NOT columns EQUAL 65 OR NOT values MATCHES "^,((0|1|0\\.[0-9]+),)+$")
    message(FATAL_ERROR "${CSV}: line ${line}: expected 64 pixels in [0, 1], then the label")
  endif()
  foreach(pass 1 2)
    string(REPLACE ",1," ",16," values "${values}")
  endforeach()
  set(k 0)
  foreach(fraction IN LISTS fractions)
    math(EXPR k "${k} + 1")
    foreach(pass 1 2)
      string(REPLACE ",${fraction}," ",${k}," values "${values}")
    endforeach()
  endforeach()
  if(NOT values MATCHES "^,(([0-9]|1[0-6]),)+$")
    message(FATAL_ERROR "${CSV}: line ${line}: expected 64 pixels, each k/16 for k in 0..16")
  endif()
  string(REGEX REPLACE "^,(.*),$" "\\1" values "${values}")
  string(APPEND pixels "    {${values}},\n")
  string(APPEND labels "${label},")
  math(EXPR count "${count} + 1")
endforeach()

string(TOUPPER ${NAME} upper)
file(RELATIVE_PATH csv_name ${CMAKE_CURRENT_LIST_DIR}/../.. ${CSV})
file(WRITE ${OUT}.tmp
"/* Generated from ${csv_name} by examples/firmware/digits_data.cmake at build time:
 * do not edit. ${count} samples of 8x8 pixels; a pixel is stored as k (0..16), the CSV's
 * value is k / 16.0f exactly. */
#ifndef ${upper}_H
#define ${upper}_H

#include <stdint.h>

#define ${upper}_COUNT ${count}u
#define ${upper}_PIXELS 64u

static const uint8_t ${NAME}_pixels[${count}][64] = {
${pixels}};

static const uint8_t ${NAME}_labels[${count}] = {${labels}};

#endif
")
# Complete or absent: a failed run leaves no partial header behind.
file(RENAME ${OUT}.tmp ${OUT})
