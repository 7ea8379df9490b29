# Xilinx XRT user-space libraries (Debian's libxrt-dev ships no CMake config).
# Defines HUBSEC_HAVE_XRT and the imported target Xrt::xrt when found; the build works without it.
find_path(XRT_INCLUDE_DIR xrt/xrt_device.h PATHS /usr/include/xrt /opt/xilinx/xrt/include)
find_library(XRT_COREUTIL_LIBRARY xrt_coreutil PATHS /usr/lib/x86_64-linux-gnu /opt/xilinx/xrt/lib)
if(XRT_INCLUDE_DIR AND XRT_COREUTIL_LIBRARY)
  set(HUBSEC_HAVE_XRT ON)
  add_library(Xrt::xrt UNKNOWN IMPORTED)
  set_target_properties(Xrt::xrt PROPERTIES IMPORTED_LOCATION ${XRT_COREUTIL_LIBRARY}
                                            INTERFACE_INCLUDE_DIRECTORIES ${XRT_INCLUDE_DIR})
  message(STATUS "XRT found: ${XRT_COREUTIL_LIBRARY}")
else()
  set(HUBSEC_HAVE_XRT OFF)
  message(STATUS "XRT not found: the xrt device backend is not built")
endif()
