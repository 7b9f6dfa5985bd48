// The one list of areas (core/area.h).
#pragma once

#include "core/area.h"

namespace vigia {

// A fresh descriptor of every area, in the order their collectors and flags
// are added.
AreaList make_areas();

}  // namespace vigia
