// SPDX-License-Identifier: MIT
// The HTML report's style sheet and script, inlined into every page (html_assets.cpp).
#pragma once

#include <string_view>

namespace ntemu::viz::assets {

extern const std::string_view kReportCss;
extern const std::string_view kReportJs;

}  // namespace ntemu::viz::assets
