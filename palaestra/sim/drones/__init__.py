"""Quadrotor simulation for drone volleyball: Crazyflie 2.x constants, a rate controller, the court."""
