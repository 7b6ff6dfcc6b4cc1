# FindeXosip2
# -----------
# Finds an installed libeXosip2 and the libosip2/libosipparser2 it is built on.
#
# Search order: EXOSIP2_ROOT (CMake variable or environment variable), then
# CMAKE_PREFIX_PATH, then pkg-config (libosip2), then the system paths.
# An EXOSIP2_ROOT that is given is taken at its word: libeXosip2 must be
# there (<root>/include/eXosip2/eXosip.h and <root>/lib*/libeXosip2.*), or
# the build stops saying so; it never falls back to another libeXosip2 found
# elsewhere. (libosip2 may still come from the system paths.)
#
# Defines eXosip2_FOUND, the imported target eXosip2::eXosip2 and, when
# something is missing, EXOSIP2_MISSING_MESSAGE: one message naming what is
# missing and how to install it.

set(_exosip2_hints)
if(DEFINED EXOSIP2_ROOT AND NOT "${EXOSIP2_ROOT}" STREQUAL "")
  list(APPEND _exosip2_hints "${EXOSIP2_ROOT}")
endif()
if(DEFINED ENV{EXOSIP2_ROOT} AND NOT "$ENV{EXOSIP2_ROOT}" STREQUAL "")
  list(APPEND _exosip2_hints "$ENV{EXOSIP2_ROOT}")
endif()

if(_exosip2_hints)
  # Given a root: look for libeXosip2 there and nowhere else.
  foreach(_exosip2_root IN LISTS _exosip2_hints)
    if(NOT IS_DIRECTORY "${_exosip2_root}")
      set(eXosip2_FOUND FALSE)
      set(EXOSIP2_MISSING_MESSAGE
"exosip2: EXOSIP2_ROOT=${_exosip2_root} is not a directory.
EXOSIP2_ROOT names the prefix libeXosip2 is installed under (the directory holding
include/eXosip2/eXosip.h and lib/libeXosip2.so), e.g. EXOSIP2_ROOT=/opt/exosip.
Unset it to use the libeXosip2 of the system paths.")
      return()
    endif()
  endforeach()
  set(_exosip2_search HINTS ${_exosip2_hints} NO_DEFAULT_PATH)
  # A cached result from an earlier configure may lie elsewhere: search again.
  unset(EXOSIP2_INCLUDE_DIR CACHE)
  unset(EXOSIP2_LIBRARY CACHE)
else()
  set(_exosip2_search)
endif()

find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(PC_OSIP2 QUIET libosip2)
endif()

find_path(EXOSIP2_INCLUDE_DIR eXosip2/eXosip.h
  ${_exosip2_search} PATH_SUFFIXES include)
find_library(EXOSIP2_LIBRARY NAMES eXosip2
  ${_exosip2_search} PATH_SUFFIXES lib lib64)
find_path(OSIP2_INCLUDE_DIR osip2/osip.h
  HINTS ${_exosip2_hints} ${PC_OSIP2_INCLUDE_DIRS} PATH_SUFFIXES include)
find_library(OSIP2_LIBRARY NAMES osip2
  HINTS ${_exosip2_hints} ${PC_OSIP2_LIBRARY_DIRS} PATH_SUFFIXES lib lib64)
find_library(OSIPPARSER2_LIBRARY NAMES osipparser2
  HINTS ${_exosip2_hints} ${PC_OSIP2_LIBRARY_DIRS} PATH_SUFFIXES lib lib64)

set(_exosip2_missing)
if(_exosip2_hints AND (NOT EXOSIP2_INCLUDE_DIR OR NOT EXOSIP2_LIBRARY))
  list(JOIN _exosip2_hints ", " _exosip2_where)
  set(_exosip2_absent)
  if(NOT EXOSIP2_INCLUDE_DIR)
    list(APPEND _exosip2_absent "include/eXosip2/eXosip.h")
  endif()
  if(NOT EXOSIP2_LIBRARY)
    list(APPEND _exosip2_absent "lib/libeXosip2 (or lib64/)")
  endif()
  list(JOIN _exosip2_absent " and " _exosip2_absent)
  set(eXosip2_FOUND FALSE)
  set(EXOSIP2_MISSING_MESSAGE
"exosip2: EXOSIP2_ROOT=${_exosip2_where} holds no libeXosip2: ${_exosip2_absent} not found there.
EXOSIP2_ROOT names the prefix libeXosip2 was installed under (./configure --prefix=...).
Unset it to use the libeXosip2 of the system paths.")
  return()
endif()
if(NOT EXOSIP2_INCLUDE_DIR OR NOT EXOSIP2_LIBRARY)
  list(APPEND _exosip2_missing "libeXosip2 (header eXosip2/eXosip.h, library eXosip2)")
endif()
if(NOT OSIP2_INCLUDE_DIR OR NOT OSIP2_LIBRARY OR NOT OSIPPARSER2_LIBRARY)
  list(APPEND _exosip2_missing "libosip2 (header osip2/osip.h, libraries osip2 and osipparser2)")
endif()

if(_exosip2_missing)
  set(eXosip2_FOUND FALSE)
  list(JOIN _exosip2_missing " and " _exosip2_what)
  set(EXOSIP2_MISSING_MESSAGE
"exosip2: cannot build the native addon: ${_exosip2_what} not found.
Install libeXosip2 5.x and libosip2 5.x (with their development headers) first:
  Fedora:    sudo dnf install libeXosip2-devel libosip2-devel
  Alpine:    apk add libexosip2-dev libosip2-dev
  Homebrew:  brew install libexosip
  Debian/Ubuntu: apt-get install libosip2-dev, then libeXosip2 from upstream's release tarball
  Elsewhere: build upstream's release tarball (libexosip2-5.x.tar.gz from the eXosip2 project
             on savannah.nongnu.org) with ./configure && make && make install
If it is installed under a non-standard prefix, pass it on: EXOSIP2_ROOT=/that/prefix npm install
(or cmake-js compile --CDEXOSIP2_ROOT=/that/prefix).")
  return()
endif()

set(eXosip2_FOUND TRUE)
if(NOT TARGET eXosip2::eXosip2)
  add_library(eXosip2::eXosip2 INTERFACE IMPORTED)
  set_target_properties(eXosip2::eXosip2 PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${EXOSIP2_INCLUDE_DIR};${OSIP2_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "${EXOSIP2_LIBRARY};${OSIP2_LIBRARY};${OSIPPARSER2_LIBRARY}")
endif()
message(STATUS "exosip2: libeXosip2 ${EXOSIP2_LIBRARY}, libosip2 ${OSIP2_LIBRARY}")
mark_as_advanced(EXOSIP2_INCLUDE_DIR EXOSIP2_LIBRARY OSIP2_INCLUDE_DIR OSIP2_LIBRARY OSIPPARSER2_LIBRARY)
