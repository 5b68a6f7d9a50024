# What `cmake --install` installs and the Debian packages CPack makes of it (make package):
#   ots-node  the daemon, its systemd unit, alert rules and example configuration; its maintainer
#             scripts (deploy/debian/ots-node/) create the system user ots, /etc/ots and
#             /var/lib/ots (0700), and never touch a configuration that exists.
#   ots-ctl   the command-line tool of operators and auditors.
# Paths are Debian's (docs/operations.md, "Production install"). The packages are built with
# Debian's own compiler and linker flags (dpkg-buildflags) by make package; -Werror stays off.
include(GNUInstallDirs)
# cpack installs what the build made (make package builds first); its install step does not
# build every target again, one job at a time.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

set(OTS_DEBIAN_DIR ${PROJECT_SOURCE_DIR}/deploy/debian)
set(OTS_UNIT_DIR /lib/systemd/system)  # where Debian 12's systemd and lintian expect units

install(TARGETS ots-node RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR} COMPONENT node)
install(TARGETS ots-ctl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT ctl)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/systemd/ots-node@.service DESTINATION ${OTS_UNIT_DIR}
        COMPONENT node)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/prometheus/ots-alerts.yml
              ${PROJECT_SOURCE_DIR}/deploy/prometheus/ots-alerts.test.yml
              ${PROJECT_SOURCE_DIR}/deploy/prometheus/prometheus.yml.example
        DESTINATION ${CMAKE_INSTALL_DATADIR}/ots-node/prometheus COMPONENT node)

# Lintian overrides, each with its reason (deploy/debian/<package>.lintian-overrides).
foreach(component node ctl)
  install(FILES ${OTS_DEBIAN_DIR}/ots-${component}.lintian-overrides
          DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides RENAME ots-${component}
          COMPONENT ${component})
endforeach()

# Documentation: each package carries its copyright and changelog as Debian policy asks, and the
# operators' and auditors' guides.
foreach(component node ctl)
  set(package ots-${component})
  set(docdir ${CMAKE_INSTALL_DATADIR}/doc/${package})
  install(FILES ${OTS_DEBIAN_DIR}/copyright DESTINATION ${docdir} COMPONENT ${component})
  set(changelog ${PROJECT_BINARY_DIR}/debian/${package}/changelog.Debian.gz)
  install(FILES ${changelog} DESTINATION ${docdir} COMPONENT ${component})
endforeach()
install(FILES ${PROJECT_SOURCE_DIR}/docs/operations.md ${PROJECT_SOURCE_DIR}/docs/federation.md
              ${PROJECT_SOURCE_DIR}/docs/reliability.md
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/ots-node COMPONENT node)
install(FILES ${PROJECT_SOURCE_DIR}/docs/audit.md ${PROJECT_SOURCE_DIR}/docs/formats.md
              ${PROJECT_SOURCE_DIR}/docs/returns.md
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/ots-ctl COMPONENT ctl)

# The changelogs, compressed as policy wants (gzip -9n: no name or time, so reproducible).
foreach(package ots-node ots-ctl)
  set(out ${PROJECT_BINARY_DIR}/debian/${package}/changelog.Debian.gz)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/debian/${package}
    COMMAND sh -c "sed 's/^ots-exchange /${package} /' '${OTS_DEBIAN_DIR}/changelog' | gzip -9n > '${out}'"
    DEPENDS ${OTS_DEBIAN_DIR}/changelog
    COMMENT "Compressing the Debian changelog of ${package}" VERBATIM)
  list(APPEND OTS_PACKAGE_DOCS ${out})
endforeach()

# Manual pages from each program's own --help and --version (help2man), so they cannot drift.
find_program(OTS_HELP2MAN help2man)
function(ots_man_page program section component manual name)
  set(out ${PROJECT_BINARY_DIR}/debian/man/${program}.${section}.gz)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/debian/man
    COMMAND sh -c "'${OTS_HELP2MAN}' --no-info --section=${section} --manual='${manual}' --source='OTS Migration Exchange' --name='${name}' --include='${OTS_DEBIAN_DIR}/${program}.h2m' '$<TARGET_FILE:${program}>' | gzip -9n > '${out}'"
    DEPENDS ${program} ${OTS_DEBIAN_DIR}/${program}.h2m
    COMMENT "Writing the manual page of ${program}" VERBATIM)
  install(FILES ${out} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section} COMPONENT ${component})
  set_property(GLOBAL APPEND PROPERTY OTS_PACKAGE_DOCS ${out})
endfunction()
if(OTS_HELP2MAN)
  ots_man_page(ots-node 8 node "System Administration" "node of the OTS Migration Exchange")
  ots_man_page(ots-ctl 1 ctl "User Commands" "command-line tool of the OTS Migration Exchange")
else()
  message(STATUS "help2man not found: no manual pages (deploy/install-deps.sh installs it)")
endif()
get_property(man_pages GLOBAL PROPERTY OTS_PACKAGE_DOCS)
list(APPEND OTS_PACKAGE_DOCS ${man_pages})
add_custom_target(ots_package_docs ALL DEPENDS ${OTS_PACKAGE_DOCS})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ots-exchange)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "OTS Migration Exchange team <ots-exchange@turkicstates.org>")
set(CPACK_PACKAGE_VENDOR "Organization of Turkic States")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL node ctl)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://www.turkicstates.org/")
# Runtime libraries found by dpkg-shlibdeps from what the programs link.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)

set(CPACK_DEBIAN_NODE_PACKAGE_NAME ots-node)
set(CPACK_DEBIAN_NODE_PACKAGE_SECTION net)
# procps: /bin/kill, which the unit's ExecReload runs (minimal Debian systems lack it).
set(CPACK_DEBIAN_NODE_PACKAGE_DEPENDS "adduser, procps")
set(CPACK_DEBIAN_NODE_PACKAGE_RECOMMENDS "ots-ctl (= ${PROJECT_VERSION}-1)")
set(CPACK_DEBIAN_NODE_PACKAGE_CONTROL_EXTRA
    ${OTS_DEBIAN_DIR}/ots-node/postinst ${OTS_DEBIAN_DIR}/ots-node/prerm
    ${OTS_DEBIAN_DIR}/ots-node/postrm)
set(CPACK_DEBIAN_NODE_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_COMPONENT_NODE_DESCRIPTION
    "migration-statistics node of the Organization of Turkic States
The daemon a national migration service runs to keep its aggregated migration
statistics, sign every return it publishes and replicate the federation's
signed returns over gRPC with mutual TLS. Includes the systemd unit
ots-node@.service and Prometheus alert rules.")

set(CPACK_DEBIAN_CTL_PACKAGE_NAME ots-ctl)
set(CPACK_DEBIAN_CTL_PACKAGE_SECTION utils)
set(CPACK_COMPONENT_CTL_DESCRIPTION
    "command-line tool of the OTS Migration Exchange
Submits returns to a node, queries and proves figures, audits a node's data
offline with no trust in the node, manages the federation's certificates,
keys and trust bundle.")

include(CPack)
