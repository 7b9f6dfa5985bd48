// The one list of areas (core/area.h): adding an area is adding its folder
// under exporters/ (or alerting/) and one line here. Each area's namespace
// vigia::<area> defines `std::unique_ptr<Area> make_area()`.
#include "cmd/vigia/areas.h"

// One line per area, in the order their flags and collectors are added.
#define VIGIA_AREAS(AREA) \
  AREA(host)              \
  AREA(postgres)          \
  AREA(pgbouncer)         \
  AREA(redis)             \
  AREA(nginx)             \
  AREA(rabbitmq)          \
  AREA(backup)            \
  AREA(transfer)          \
  AREA(probe)             \
  AREA(container)         \
  /* end of the list */

#define VIGIA_DECLARE_AREA(area)     \
  namespace vigia::area {            \
  std::unique_ptr<Area> make_area(); \
  }
VIGIA_AREAS(VIGIA_DECLARE_AREA)

namespace vigia {

AreaList make_areas() {
  AreaList areas;
#define VIGIA_ADD_AREA(area) areas.push_back(area::make_area());
  VIGIA_AREAS(VIGIA_ADD_AREA)
  return areas;
}

}  // namespace vigia
