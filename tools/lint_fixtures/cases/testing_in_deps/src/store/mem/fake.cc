#include "store/mem/fake.h"
