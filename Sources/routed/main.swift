import RoutedCLI

Routed.main()
