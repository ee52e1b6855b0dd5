# Runs one costsim command and checks its exit status and output.
# -DPROGRAM=... -DARGS="a;b;c" -DSTATUS=2 -DEXPECT=regex [-DREJECT=regex]
# -DWORKDIR=dir. EXPECT is matched against stdout+stderr; REJECT must not match.
separate_arguments(args UNIX_COMMAND "${ARGS}")
execute_process(COMMAND ${PROGRAM} ${args}
                WORKING_DIRECTORY ${WORKDIR}
                RESULT_VARIABLE status
                OUTPUT_VARIABLE out
                ERROR_VARIABLE err
                TIMEOUT 120)
set(all "${out}${err}")
if(NOT "${status}" STREQUAL "${STATUS}")
  message(FATAL_ERROR "exit status ${status}, expected ${STATUS}\n--- output:\n${all}")
endif()
if(DEFINED EXPECT AND NOT "${EXPECT}" STREQUAL "")
  if(NOT all MATCHES "${EXPECT}")
    message(FATAL_ERROR "output does not match: ${EXPECT}\n--- output:\n${all}")
  endif()
endif()
if(DEFINED REJECT AND NOT "${REJECT}" STREQUAL "")
  if(all MATCHES "${REJECT}")
    message(FATAL_ERROR "output matches what it must not: ${REJECT}\n--- output:\n${all}")
  endif()
endif()
