# Installation and the Debian package (deploy/, `cpack -G DEB` in the build folder:
# vigia_<version>_amd64.deb). Relative destinations follow the prefix (the package's is /usr):
# the binary in bin/, the area modules in lib/vigia/ (where core/area.cc looks for them beside
# ../lib/vigia), rules and dashboards in share/vigia/, docs in share/doc/vigia/. The configuration
# and the systemd unit are absolute: /etc/vigia/vigia.yml (a conffile) and
# /lib/systemd/system/vigia.service. `install` does not build `all` first (packaging needs only
# the vigia target and its modules): build before installing.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
install(TARGETS vigia RUNTIME DESTINATION bin)
if(VIGIA_AREA_MODULES)
  install(TARGETS ${VIGIA_AREA_MODULES} LIBRARY DESTINATION lib/vigia)
endif()
install(FILES ${PROJECT_SOURCE_DIR}/deploy/vigia.yml DESTINATION /etc/vigia)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/debian/default DESTINATION /etc/default RENAME vigia)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/vigia.service DESTINATION /lib/systemd/system)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/rules/ DESTINATION share/vigia/rules FILES_MATCHING PATTERN "*.yml"
        PATTERN "tests" EXCLUDE)
if(EXISTS ${PROJECT_SOURCE_DIR}/dashboards)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/dashboards/ DESTINATION share/vigia/dashboards
          FILES_MATCHING PATTERN "*.json" PATTERN "*.yml" PATTERN "*.yaml")
endif()
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/deploy/debian/copyright
        DESTINATION share/doc/vigia)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION share/doc/vigia/docs FILES_MATCHING PATTERN "*.md")
install(FILES ${PROJECT_SOURCE_DIR}/deploy/prometheus.yml ${PROJECT_SOURCE_DIR}/deploy/alertmanager.yml
              ${PROJECT_SOURCE_DIR}/deploy/web-config.yml ${PROJECT_SOURCE_DIR}/deploy/docker-compose.yml
        DESTINATION share/doc/vigia/examples)
# The changelog of a native package, compressed as policy asks (gzip -9n: no name, no time).
configure_file(${PROJECT_SOURCE_DIR}/deploy/debian/changelog.in ${PROJECT_BINARY_DIR}/deb/changelog @ONLY)
execute_process(COMMAND gzip -9nf ${PROJECT_BINARY_DIR}/deb/changelog)
install(FILES ${PROJECT_BINARY_DIR}/deb/changelog.gz DESTINATION share/doc/vigia)
configure_file(${PROJECT_SOURCE_DIR}/deploy/debian/vigia.1 ${PROJECT_BINARY_DIR}/deb/vigia.1 COPYONLY)
execute_process(COMMAND gzip -9nf ${PROJECT_BINARY_DIR}/deb/vigia.1)
install(FILES ${PROJECT_BINARY_DIR}/deb/vigia.1.gz DESTINATION share/man/man1)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME vigia)
set(CPACK_PACKAGE_VENDOR vigia)
set(CPACK_PACKAGE_CONTACT "vigia maintainers <vigia@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "metrics exporter and alert evaluator for small servers")
set(CPACK_PACKAGE_DESCRIPTION "vigia is one program that exports a host's metrics
(node_exporter's names), containers, PostgreSQL, PgBouncer, Redis, RabbitMQ,
nginx, probes, backups and the monthly transfer, evaluates Prometheus alerting
rules and sends notifications by email and webhook.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# adduser for postinst. libcurl4, which core/http_client.cc loads with dlopen, comes through the
# probe module's link (dpkg-shlibdeps).
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/deploy/debian/conffiles ${PROJECT_SOURCE_DIR}/deploy/debian/postinst
    ${PROJECT_SOURCE_DIR}/deploy/debian/prerm ${PROJECT_SOURCE_DIR}/deploy/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
