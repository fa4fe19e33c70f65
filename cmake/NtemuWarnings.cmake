# ntemu_set_warnings(target): the project's warning set (-Wall -Wextra -Wpedantic and a few
# more that catch real bugs), as errors when NTEMU_WERROR is on.
function(ntemu_set_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
    -Wconversion -Wsign-conversion -Wnull-dereference -Wimplicit-fallthrough
    $<$<BOOL:${NTEMU_WERROR}>:-Werror>)
endfunction()
