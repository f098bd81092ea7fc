"""factory_boy factories, one module per app (`from factories.devices import DeviceFactory`)."""
