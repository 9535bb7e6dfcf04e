/* stub */
#include "target.h"
