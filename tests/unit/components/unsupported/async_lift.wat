;; unsupported: async functions
(component
  (type (func async))
)
