# vigia_area(NAME [MODULE] [LIBS libs...] [BINARY_LIBS libs...]
#            [MODULE_OBJECTS object-libs...] [STATIC_LIBS libs...])
#
# Declares the area of the calling folder (exporters/NAME/CMakeLists.txt).
#   Without MODULE: the folder's *.cc are linked into the binary (with LIBS).
#   With MODULE: area.cc (the descriptor and config reader) is linked into the
#   binary (with BINARY_LIBS); the other *.cc (module.cc: the entry point)
#   build vigia-NAME.so with LIBS and the objects of MODULE_OBJECTS, which the
#   binary loads only when the area is configured. The module resolves core's
#   symbols from the executable. Unit tests link the same collectors
#   statically (vigia_NAME, with STATIC_LIBS in place of MODULE_OBJECTS).
function(vigia_area name)
  cmake_parse_arguments(A "MODULE" "" "LIBS;BINARY_LIBS;MODULE_OBJECTS;STATIC_LIBS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  if(NOT A_MODULE)
    add_library(vigia_area_${name} STATIC ${srcs})
    target_include_directories(vigia_area_${name} PUBLIC ${PROJECT_SOURCE_DIR})
    target_link_libraries(vigia_area_${name} PUBLIC vigia_core PRIVATE ${A_LIBS})
    set_property(GLOBAL APPEND PROPERTY VIGIA_AREA_LIBS vigia_area_${name})
    set_property(GLOBAL APPEND PROPERTY VIGIA_AREA_TEST_LIBS vigia_area_${name})
    return()
  endif()
  set(descriptor ${CMAKE_CURRENT_SOURCE_DIR}/area.cc)
  set(entry ${CMAKE_CURRENT_SOURCE_DIR}/module.cc)
  list(REMOVE_ITEM srcs ${descriptor} ${entry})
  add_library(vigia_area_${name} STATIC ${descriptor})
  target_link_libraries(vigia_area_${name} PUBLIC vigia_core ${A_BINARY_LIBS})

  add_library(vigia_${name}_objs OBJECT ${srcs})
  set_target_properties(vigia_${name}_objs PROPERTIES POSITION_INDEPENDENT_CODE ON)
  target_include_directories(vigia_${name}_objs PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(vigia_${name}_objs PUBLIC ${A_LIBS} yaml-cpp)

  add_library(vigia_${name} STATIC $<TARGET_OBJECTS:vigia_${name}_objs>)
  target_link_libraries(vigia_${name} PUBLIC vigia_area_${name} ${A_STATIC_LIBS} vigia_core ${A_LIBS})

  set(objects)
  foreach(o ${A_MODULE_OBJECTS})
    list(APPEND objects $<TARGET_OBJECTS:${o}>)
  endforeach()
  add_library(vigia_${name}_module MODULE $<TARGET_OBJECTS:vigia_${name}_objs> ${objects} ${entry})
  target_include_directories(vigia_${name}_module PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(vigia_${name}_module PRIVATE ${A_LIBS} yaml-cpp)
  set_target_properties(vigia_${name}_module PROPERTIES PREFIX "" OUTPUT_NAME vigia-${name}
                        LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
  set_property(GLOBAL APPEND PROPERTY VIGIA_AREA_LIBS vigia_area_${name})
  set_property(GLOBAL APPEND PROPERTY VIGIA_AREA_MODULES vigia_${name}_module)
  set_property(GLOBAL APPEND PROPERTY VIGIA_AREA_TEST_LIBS vigia_${name})
endfunction()
