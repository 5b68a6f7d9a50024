# The layers of the code (docs/architecture.md). Each layer is one static library built from one
# folder; it links only the layers it names, and its include root exposes only its own folder:
# the root is a folder of the build tree holding one symbolic link, <root>/<folder> -> the source
# folder, so that `#include "node/log/publisher.h"` resolves for ots_log and for the layers that
# link it, and for no other. tests/arch/layer_check.sh (run by ctest) checks every #include of
# the product code against the table written by ots_write_layer_table.

# ots_layer(NAME DIR folder [SOURCES ...] [LAYERS layer...] [LIBS external...])
function(ots_layer name)
  cmake_parse_arguments(L "" "DIR" "SOURCES;LAYERS;LIBS" ${ARGN})
  if(NOT L_DIR)
    message(FATAL_ERROR "ots_layer(${name}): DIR is required")
  endif()
  foreach(dep IN LISTS L_LAYERS)
    get_property(known GLOBAL PROPERTY OTS_LAYER_NAMES)
    if(NOT dep IN_LIST known)
      message(FATAL_ERROR "ots_layer(${name}): ${dep} is not a layer declared before it; "
                          "a layer may use only the layers below it")
    endif()
  endforeach()
  add_library(${name} STATIC ${L_SOURCES})
  set(root ${PROJECT_BINARY_DIR}/include/${name})
  get_filename_component(parent ${root}/${L_DIR} DIRECTORY)
  file(MAKE_DIRECTORY ${parent})
  if(NOT IS_SYMLINK ${root}/${L_DIR})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${L_DIR} ${root}/${L_DIR} SYMBOLIC)
  endif()
  target_include_directories(${name} PUBLIC ${root})
  target_link_libraries(${name} PUBLIC ${L_LAYERS} ${L_LIBS})
  ots_strict_warnings(${name})
  set_property(GLOBAL APPEND PROPERTY OTS_LAYER_NAMES ${name})
  string(REPLACE ";" " " deps "${L_LAYERS}")
  set_property(GLOBAL APPEND PROPERTY OTS_LAYER_TABLE "${name} ${L_DIR} ${deps}")
endfunction()

# Writes build/layers.txt: one line per layer, "name folder direct-dependencies...", in the
# order the layers were declared (each after every layer it uses).
function(ots_write_layer_table)
  get_property(table GLOBAL PROPERTY OTS_LAYER_TABLE)
  string(REPLACE ";" "\n" text "${table}")
  file(WRITE ${PROJECT_BINARY_DIR}/layers.txt
       "# layer folder uses... (written by cmake/OtsLayers.cmake)\n${text}\n")
endfunction()
