# Host test firmware_model_header: the committed digits_model.h must be exactly what the
# command-line tool exports today from the committed digits_model.mpm (digits_model.cmake
# holds the command), so the flash firmware predicts with the model it claims to.
#   cmake -DCLI=build/host/tools/cli/microprop -DSOURCE_DIR=. -DWORK_DIR=/tmp -P check_model_header.cmake
include(${CMAKE_CURRENT_LIST_DIR}/digits_model.cmake)
set(fresh ${WORK_DIR}/digits_model.h)
file(REMOVE ${fresh})
execute_process(COMMAND ${CLI} ${MICROPROP_DIGITS_MODEL_EXPORT} -o ${fresh}
  WORKING_DIRECTORY ${SOURCE_DIR} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "microprop export failed (${rc})")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${fresh}
  ${SOURCE_DIR}/examples/firmware/digits_model.h RESULT_VARIABLE differs)
if(differs)
  string(REPLACE ";" " " command "${MICROPROP_DIGITS_MODEL_EXPORT}")
  message(FATAL_ERROR "examples/firmware/digits_model.h is not what `microprop ${command}` writes "
    "now (${fresh}). If the export format changed on purpose, run from the source directory:\n"
    "  build/host/tools/cli/microprop ${command} -o examples/firmware/digits_model.h")
endif()
message("examples/firmware/digits_model.h: identical to a fresh export of examples/firmware/digits_model.mpm")
