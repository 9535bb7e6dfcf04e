;; unsupported: importing a core module
(component
  (import "m" (core module))
)
