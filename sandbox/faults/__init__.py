"""Acting on the contract-fault switch (`sandbox.core.fault_switch`): what a fault breaks in a
body (`bodies`), the middleware that breaks success answers (`middleware`), and the admin
endpoint that flips the switch at run time (`admin`)."""
