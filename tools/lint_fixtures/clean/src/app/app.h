#pragma once

namespace demo::app {
int Run();
}  // namespace demo::app
